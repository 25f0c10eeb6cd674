import type { Manifest } from './manifest.ts';

/** A complete backup: where it lives (a directory, an object prefix) and its manifest. */
export interface Backup {
  location: string;
  manifest: Manifest;
}

/**
 * Of the other complete backups of a flow, those beyond the newest `keepLast`, newest first. The
 * current backup counts as one when complete; were it not, one older backup still stays, so the
 * only good backup is never among them.
 */
export function expiredBackups<T extends Backup>(others: T[], keepLast: number, currentComplete: boolean): T[] {
  const keep = Math.max(1, Math.floor(keepLast));
  return [...others].sort(newestFirst).slice(currentComplete ? keep - 1 : keep);
}

function newestFirst(a: Backup, b: Backup): number {
  const time = (backup: Backup) => Date.parse(backup.manifest.createdAt) || Number.NEGATIVE_INFINITY;
  return time(b) - time(a) || compare(b.manifest.runId, a.manifest.runId) || compare(b.location, a.location);
}

function compare(a: unknown, b: unknown): number {
  return String(a).localeCompare(String(b));
}
