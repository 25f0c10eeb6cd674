import { useSyncExternalStore } from 'react';

/** Below this width the editor folds its secondary actions into a menu and hides the minimap. */
const narrowQuery = '(max-width: 1279px)';

function subscribe(listener: () => void): () => void {
  const query = window.matchMedia(narrowQuery);
  query.addEventListener('change', listener);
  return () => query.removeEventListener('change', listener);
}

/** Whether the window is narrow (a 1024 px laptop screen, a window beside another). */
export function useNarrowScreen(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => window.matchMedia(narrowQuery).matches,
    () => false,
  );
}
