/**
 * The source's cursor: per object, where its read stands. Objects are read in the config's order,
 * so every batch carries the state of all of them; a resumed read skips the objects marked `done`
 * and continues the others from `after`.
 *
 * With `incremental`, each object's state also says which modifications this run covers (up to
 * `until`, where the next run starts, less the lookback) and which records it emitted close to
 * `until` (`recent`: id → modification time), so the next run can skip them when it re-reads them
 * unchanged within its lookback.
 */

export interface ObjectCursor {
  /** This run has read the whole object. */
  done?: true;
  /** Where the next page starts: the list's `after` token, or the last `hs_object_id` a search read. */
  after?: string;
  /** Incremental: the start of the modification window this run searches; absent for a full read. */
  from?: number;
  /** Incremental: modifications up to this time (epoch ms) are this run's; the next run starts here. */
  until?: number;
  /** Incremental: ids emitted in this run (or skipped as emitted before) modified at or after `until − lookback`. */
  recent?: Record<string, number>;
  /** Incremental: what the last run emitted near its end, skipped when re-read unchanged. */
  skip?: Record<string, number>;
}

export interface HubspotCursor {
  objects: Record<string, ObjectCursor>;
}

/** Remembered ids per object at most: past it, the oldest are forgotten (re-read unchanged, such a record repeats; none is lost). */
export const recentLimit = 10_000;

export function isHubspotCursor(value: unknown): value is HubspotCursor {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { objects?: unknown }).objects === 'object' &&
    (value as { objects?: unknown }).objects !== null
  );
}

/**
 * Where an object's read starts when nothing is being resumed: a full read, or (incremental, after
 * a run that read it) the window from where that run ended, less the lookback, up to now.
 */
export function startingCursor(
  incremental: { lookbackMs: number } | undefined,
  lastRun: ObjectCursor | undefined,
  now: number,
): ObjectCursor {
  if (!incremental) return {};
  const floor = now - incremental.lookbackMs;
  if (lastRun?.until === undefined) return { until: now, recent: {} };
  const skip = lastRun.recent ?? {};
  return { from: lastRun.until - incremental.lookbackMs, until: now, skip, recent: atOrAfter(skip, floor) };
}

/**
 * Remembers `id` modified at `modifiedMs` when that is at or after `floor`. Past twice `recentLimit`
 * entries, the most recent `recentLimit` are kept (pruned in one sort, not on every entry).
 */
export function remember(recent: Map<string, number>, id: string, modifiedMs: number, floor: number): void {
  if (modifiedMs < floor) return;
  recent.set(id, modifiedMs);
  if (recent.size <= 2 * recentLimit) return;
  const newestFirst = [...recent].sort(([, a], [, b]) => b - a);
  for (const [forgotten] of newestFirst.slice(recentLimit)) recent.delete(forgotten);
}

function atOrAfter(entries: Record<string, number>, floor: number): Record<string, number> {
  return Object.fromEntries(Object.entries(entries).filter(([, ms]) => ms >= floor));
}
