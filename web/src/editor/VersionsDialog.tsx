import { type ReactNode, useEffect, useState } from 'react';
import { api, describeError } from '../api/client.ts';
import type { Flow } from '../api/types.ts';
import { describeDiff, diffFlows, isSameFlow } from '../flow/diff.ts';
import { useEditor } from '../store/editor.ts';
import { formatAgo, formatTime } from '../ui/format.ts';
import { Modal } from '../ui/Modal.tsx';
import { useEditorUi } from './editor-ui.ts';
import { restoreVersion } from './session.ts';

type Version = { version: number; savedAt: string; document: Flow };

/** The saved versions of the flow, newest first, each compared with the canvas; Restore puts one on the canvas. */
export function VersionsDialog() {
  const flowId = useEditor((state) => state.saved?.id);
  const savedVersion = useEditor((state) => state.saved?.version);
  const canvas = useEditor((state) => state.flow);
  const [versions, setVersions] = useState<{ flowId: string; list: Version[] }>();
  const [error, setError] = useState<string>();
  const close = () => useEditorUi.setState({ versions: false });

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new save (savedVersion) lists again
  useEffect(() => {
    if (!flowId) return;
    let cancelled = false;
    setError(undefined);
    api
      .versions(flowId)
      .then((list) => !cancelled && setVersions({ flowId, list }))
      .catch((caught) => !cancelled && setError(describeError(caught).message));
    return () => {
      cancelled = true;
    };
  }, [flowId, savedVersion]);

  let body: ReactNode;
  if (!flowId)
    body = (
      <p className="empty-note" data-testid="versions-empty">
        This flow has not been saved yet. Each save keeps a version here that you can go back to.
      </p>
    );
  else if (error) body = <p className="field-error">Could not list the versions: {error}</p>;
  else if (!versions || versions.flowId !== flowId) body = <p className="muted">Loading…</p>;
  else if (versions.list.length === 0)
    body = (
      <p className="empty-note" data-testid="versions-empty">
        No version saved yet.
      </p>
    );
  else
    body = (
      <table className="table compact" data-testid="versions-table">
        <thead>
          <tr>
            <th>Version</th>
            <th>Saved</th>
            <th className="num">Nodes</th>
            <th className="num">Edges</th>
            <th title="What restoring this version would change on the canvas">Compared with the canvas</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {versions.list.map((entry) => {
            const diff = diffFlows(canvas, entry.document);
            const same = isSameFlow(diff);
            return (
              <tr key={entry.version} data-version={entry.version} className={same ? 'is-current' : ''}>
                <td>
                  {entry.version}
                  {entry.version === savedVersion ? <span className="muted small"> (latest save)</span> : null}
                </td>
                <td title={formatTime(entry.savedAt)}>{formatAgo(entry.savedAt)}</td>
                <td className="num">{entry.document.nodes.length}</td>
                <td className="num">{entry.document.edges.length}</td>
                <td className="small" data-testid="version-diff">
                  {describeDiff(diff)}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="button small"
                    disabled={same}
                    title={same ? 'The canvas already shows this version' : 'Put this version on the canvas (undoable)'}
                    onClick={() => {
                      restoreVersion(entry.version, entry.document);
                      close();
                    }}
                  >
                    Restore
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    );

  return (
    <Modal title="Versions" onClose={close} wide testId="versions-dialog">
      <p className="muted small">
        Restoring puts a version on the canvas as one edit (undo takes it back); save to make it the newest version.
        Nothing is overwritten.
      </p>
      {body}
    </Modal>
  );
}
