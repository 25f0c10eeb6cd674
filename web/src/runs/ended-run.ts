import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import type { RunStatus, RunView } from '../api/types.ts';

const activeStatuses: readonly RunStatus[] = ['queued', 'running'];

/**
 * The stored record of a run once it ended: what only the store knows (where the output went, whether a
 * checkpoint was saved). Undefined while the run is active or its record loads; read again each time the
 * run ends (a resumed run ends again).
 */
export function useEndedRun(runId: string | undefined, status: RunStatus | undefined): RunView | undefined {
  const [stored, setStored] = useState<{ key: string; run: RunView }>();
  const ended = status !== undefined && !activeStatuses.includes(status);
  const key = `${runId}:${status}`;
  useEffect(() => {
    if (!runId || !ended) return;
    let current = true;
    api.getRun(runId).then(
      (run) => {
        if (current) setStored({ key, run });
      },
      // The panel still shows the counts it has; only the extras are missing.
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [runId, ended, key]);
  return ended && stored?.key === key ? stored.run : undefined;
}
