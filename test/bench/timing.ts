/** Wall-clock timing: medians of alternating peer/ours trials, so machine load weighs on both sides alike. */

/** One measured execution; `ms` is what the side itself timed (child processes time their own run). */
export interface Trial {
  ms: number;
}

export interface PairedTrials<P extends Trial, O extends Trial> {
  peer: P[];
  ours: O[];
}

export interface PairingOptions {
  /** Trials per side for quick items. */
  repetitions: number;
  /** A side whose first trial took longer than this is measured once, to keep the whole bench within minutes. */
  quickMs: number;
}

/**
 * Up to 30 s a side still gets three trials: DuckDB's own gzip COPY of 5M rows has been measured at
 * anywhere from 17 s to 29 s on the same machine, so one trial of it would decide a goal by chance.
 */
export const defaultPairing: PairingOptions = { repetitions: 3, quickMs: 30_000 };

/** Runs peer, ours, peer, ours, … until each side has its trials. */
export async function pairTrials<P extends Trial, O extends Trial>(
  peer: () => Promise<P>,
  ours: () => Promise<O>,
  options: PairingOptions = defaultPairing,
): Promise<PairedTrials<P, O>> {
  const trials: PairedTrials<P, O> = { peer: [], ours: [] };
  for (let round = 0; round < options.repetitions; round++) {
    if (wantsAnother(trials.peer, options)) trials.peer.push(await peer());
    if (wantsAnother(trials.ours, options)) trials.ours.push(await ours());
  }
  return trials;
}

function wantsAnother(trials: Trial[], options: PairingOptions): boolean {
  const first = trials[0];
  return first === undefined || (first.ms <= options.quickMs && trials.length < options.repetitions);
}

/** The median trial by time (the lower middle one for an even count, so it is always a real trial). */
export function medianTrial<T extends Trial>(trials: T[]): T {
  const sorted = [...trials].sort((a, b) => a.ms - b.ms);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (middle === undefined) throw new Error('no trials to take a median of');
  return middle;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}
