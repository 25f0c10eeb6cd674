import { useState } from 'react';
import { navigate } from '../app/router.ts';
import { useEditor } from '../store/editor.ts';
import { Modal } from '../ui/Modal.tsx';
import { useEditorUi } from './editor-ui.ts';
import { save } from './session.ts';

/** Asked when the person leaves the editor with unsaved changes: save and go, go without them, or stay. */
export function LeaveDialog({ to }: { to: string }) {
  const name = useEditor((state) => state.flow.name);
  const [saving, setSaving] = useState(false);
  const stay = () => useEditorUi.setState({ leaving: undefined });
  const leave = () => {
    useEditorUi.setState({ leaving: undefined });
    navigate(to, { force: true });
  };
  return (
    <Modal
      title="Unsaved changes"
      onClose={stay}
      testId="leave-dialog"
      footer={
        <>
          <button type="button" className="button ghost" onClick={stay}>
            Keep editing
          </button>
          <button type="button" className="button danger" onClick={leave} data-testid="leave-discard">
            Leave without saving
          </button>
          <button
            type="button"
            className="button primary"
            disabled={saving}
            data-testid="leave-save"
            onClick={async () => {
              setSaving(true);
              const saved = await save();
              setSaving(false);
              if (saved) leave();
            }}
          >
            Save and leave
          </button>
        </>
      }
    >
      <p>“{name}” has changes that are not saved. Leaving now drops them; the saved version stays as it was.</p>
    </Modal>
  );
}
