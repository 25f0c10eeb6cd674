/** The toasts on screen, as pure data: what a new one does to the list. */

export type ToastTone = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  tone: ToastTone;
  message: string;
  details: string[];
  /** How many times this same toast was raised while on screen. */
  count: number;
}

/** At most this many show at once, so they never pile up over the inspector: the oldest goes first. */
export const maxToasts = 3;

/** How long a toast stays. Errors stay longer, to be read; each has a × to close it sooner. */
export const toastDurationMs: Record<ToastTone, number> = { info: 5_000, success: 5_000, error: 10_000 };

function same(a: Pick<Toast, 'tone' | 'message' | 'details'>, b: Pick<Toast, 'tone' | 'message' | 'details'>) {
  return a.tone === b.tone && a.message === b.message && a.details.join('\n') === b.details.join('\n');
}

/**
 * The list with `entry` last: the same toast already shown is replaced by it (counting the repeat,
 * its timer starting over), and only the newest `maxToasts` stay.
 */
export function withToast(list: readonly Toast[], entry: Omit<Toast, 'count'>): Toast[] {
  const repeated = list.find((shown) => same(shown, entry));
  const others = list.filter((shown) => shown !== repeated);
  return [...others, { ...entry, count: (repeated?.count ?? 0) + 1 }].slice(-maxToasts);
}
