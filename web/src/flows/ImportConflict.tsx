import { useState } from 'react';
import { api } from '../api/client.ts';
import type { Flow, SavedFlow } from '../api/types.ts';
import { navigate } from '../app/router.ts';
import { Modal } from '../ui/Modal.tsx';
import { toast, toastError } from '../ui/toasts.tsx';

/** What to do with an imported file whose name a saved flow already has. */
export function ImportConflict(props: { flow: Flow; existing: SavedFlow; suggestion: string; onDone(): void }) {
  const [busy, setBusy] = useState(false);
  const finish = async (work: () => Promise<SavedFlow>) => {
    setBusy(true);
    try {
      const saved = await work();
      toast(`Imported “${saved.name}” (version ${saved.version})`, { tone: 'success' });
      props.onDone();
      navigate(`/flows/${encodeURIComponent(saved.id)}`);
    } catch (error) {
      toastError('Could not import', error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      title="A flow with this name exists"
      onClose={props.onDone}
      testId="import-conflict"
      footer={
        <>
          <button type="button" className="button" onClick={props.onDone}>
            Cancel
          </button>
          <button
            type="button"
            className="button"
            disabled={busy}
            onClick={() => finish(() => api.createFlow({ ...props.flow, name: props.suggestion }))}
          >
            Import as “{props.suggestion}”
          </button>
          <button
            type="button"
            className="button primary"
            disabled={busy}
            onClick={() => finish(() => api.saveFlow(props.existing.id, props.flow))}
          >
            Save as a new version of “{props.existing.name}”
          </button>
        </>
      }
    >
      <p>
        “{props.flow.name}” is already saved (version {props.existing.version}). Saving the file as its next version
        keeps the earlier versions; or import it under another name.
      </p>
    </Modal>
  );
}
