import { useState } from 'react';
import { renameFlowProblem } from '../schedule/FlowSettings.tsx';
import { Modal } from '../ui/Modal.tsx';

/** Asks for a flow name (new, from a template, or a rename) and refuses one the server would. */
export function NameDialog(props: {
  title: string;
  initial: string;
  action: string;
  onSubmit(name: string): Promise<void>;
  onClose(): void;
}) {
  const [name, setName] = useState(props.initial);
  const [busy, setBusy] = useState(false);
  const problem = renameFlowProblem(name);
  const submit = async () => {
    if (problem) return;
    setBusy(true);
    try {
      await props.onSubmit(name);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      title={props.title}
      onClose={props.onClose}
      testId="name-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="button" className="button primary" disabled={Boolean(problem) || busy} onClick={submit}>
            {props.action}
          </button>
        </>
      }
    >
      <label className="field">
        <span className="field-label">Flow name</span>
        <input
          // biome-ignore lint/a11y/noAutofocus: the dialog exists to type this name
          autoFocus
          value={name}
          onChange={(event) => setName(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') void submit();
          }}
          aria-invalid={Boolean(problem)}
        />
        <span className={problem ? 'field-error' : 'field-hint'}>
          {problem ?? 'Letters, digits and _ . - (no spaces)'}
        </span>
      </label>
    </Modal>
  );
}
