import { useSyncExternalStore } from 'react';

/**
 * The editor's pages are plain paths (`/`, `/flows/:id`); the server answers any of them with
 * index.html. Every move between them, by a link or by Back and Forward, passes the leave guard
 * a page may set (the editor's, while it has unsaved changes).
 */
const listeners = new Set<() => void>();

/** Says whether the page may leave for `to`; when it says no, it asks the person and navigates itself. */
export type LeaveGuard = (to: string) => boolean;

let leaveGuard: LeaveGuard | undefined;
let shownPath = typeof location === 'undefined' ? '/' : location.pathname;

function notify(): void {
  for (const listener of listeners) listener();
}

// Back and Forward have moved the address already: a refused move puts the shown page's back.
if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => {
    const to = location.pathname;
    if (to !== shownPath && leaveGuard && !leaveGuard(to)) {
      history.pushState(null, '', shownPath);
      return;
    }
    shownPath = to;
    notify();
  });
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Sets (or, with undefined, clears) the guard asked before leaving the current page. */
export function setLeaveGuard(guard: LeaveGuard | undefined): void {
  leaveGuard = guard;
}

/** Goes to `path` unless the leave guard holds the page; `force` goes without asking (the person decided). */
export function navigate(path: string, options: { replace?: boolean; force?: boolean } = {}): void {
  const to = new URL(path, location.href).pathname;
  if (!options.force && to !== shownPath && leaveGuard && !leaveGuard(to)) return;
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  // The page is the path alone; a query (`?run=…`) is the page's to read.
  shownPath = location.pathname;
  notify();
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => shownPath);
}
