import { Modal } from '../ui/Modal.tsx';
import { useEditorUi } from './editor-ui.ts';
import { shortcuts } from './shortcuts.ts';

export function HelpDialog() {
  return (
    <Modal title="Keyboard shortcuts" onClose={() => useEditorUi.setState({ help: false })} testId="help-dialog">
      <table className="table shortcuts">
        <tbody>
          {shortcuts.map((shortcut) => (
            <tr key={shortcut.keys}>
              <td>
                {shortcut.keys.split(/( or | \/ |\+)/).map((part, i) =>
                  part === '+' || part === ' or ' || part === ' / ' ? (
                    // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one shortcut keep their order
                    <span key={i} className="muted">
                      {part}
                    </span>
                  ) : (
                    // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one shortcut keep their order
                    <kbd key={i}>{part}</kbd>
                  ),
                )}
              </td>
              <td>{shortcut.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Ports and edges</h3>
      <p>
        <span className="legend legend-records" /> records ports carry batches of JSON objects;{' '}
        <span className="legend legend-files" /> files ports carry files. A records port cannot feed a files port: put a
        format node (records → files) or a parse node (files → records) between them. A connection that would close a
        cycle is refused too.
      </p>
    </Modal>
  );
}
