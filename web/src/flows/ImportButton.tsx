import { type ChangeEvent, useRef } from 'react';
import { ApiError, api } from '../api/client.ts';
import type { Flow, SavedFlow } from '../api/types.ts';
import { navigate } from '../app/router.ts';
import { toast, toastError } from '../ui/toasts.tsx';
import { parseFlowFile } from './import-flow.ts';

/**
 * Imports a flow file: saves it and opens it, or, when a saved flow has its name, hands the choice
 * to `onConflict`; `onStale` when the server says the name is taken after all (the list is old).
 */
export function ImportButton(props: {
  flows: readonly SavedFlow[] | undefined;
  onConflict(flow: Flow, existing: SavedFlow): void;
  onStale(): Promise<void>;
}) {
  const fileInput = useRef<HTMLInputElement>(null);

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    let flow: Flow;
    try {
      flow = parseFlowFile(await file.text());
    } catch (caught) {
      toast(`${file.name} is not a flow: ${(caught as Error).message}`, { tone: 'error' });
      return;
    }
    const existing = props.flows?.find((saved) => saved.name === flow.name);
    if (existing) {
      props.onConflict(flow, existing);
      return;
    }
    try {
      const saved = await api.createFlow(flow);
      toast(`Imported “${saved.name}”`, { tone: 'success' });
      navigate(`/flows/${encodeURIComponent(saved.id)}`);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 409) await props.onStale();
      toastError(`Could not import ${file.name}`, caught);
    }
  };

  return (
    <>
      <button type="button" className="button" onClick={() => fileInput.current?.click()} data-testid="import">
        Import JSON…
      </button>
      <input
        ref={fileInput}
        type="file"
        accept=".json,application/json"
        hidden
        onChange={onFile}
        data-testid="import-file"
      />
    </>
  );
}
