import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import type { PreviewResult } from '../api/types.ts';
import { editorStore, useEditor } from '../store/editor.ts';
import { formatBytes, formatCount, formatDuration } from '../ui/format.ts';
import { Modal } from '../ui/Modal.tsx';
import { RecordsTable } from '../ui/RecordsTable.tsx';
import { ErrorBox } from './ErrorBox.tsx';
import { useEditorUi } from './editor-ui.ts';

/** Sample records (or file names) at a node, from the document as it is now, saved or not. */
export function PreviewDialog({ nodeId }: { nodeId: string }) {
  const nodeType = useEditor((state) => {
    const node = state.flow.nodes.find((n) => n.id === nodeId);
    return node ? state.catalog[node.type] : undefined;
  });
  const outputs = nodeType?.outputs ?? [];
  const [port, setPort] = useState(outputs[0]?.name);
  const [limit, setLimit] = useState(50);
  const [result, setResult] = useState<PreviewResult>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const close = useCallback(() => useEditorUi.setState({ preview: undefined }), []);

  const load = useCallback(async () => {
    setBusy(true);
    setError(undefined);
    try {
      // What is on the canvas, saved or not: nothing is written and no run is recorded.
      const flow = editorStore.getState().flow;
      setResult(await api.previewUnsaved({ nodeId, limit, flow, ...(port ? { port } : {}) }));
    } catch (caught) {
      setResult(undefined);
      setError(caught);
    } finally {
      setBusy(false);
    }
  }, [nodeId, limit, port]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <Modal title={`Preview of ${nodeId}`} onClose={close} wide testId="preview-dialog">
      <div className="preview-toolbar">
        {outputs.length > 1 && (
          <label>
            Port{' '}
            <select value={port} onChange={(event) => setPort(event.target.value)}>
              {outputs.map((output) => (
                <option key={output.name} value={output.name}>
                  {output.name} ({output.kind})
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Rows{' '}
          <select value={limit} onChange={(event) => setLimit(Number(event.target.value))}>
            {[10, 50, 200, 1000].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button small" onClick={() => void load()} disabled={busy}>
          {busy ? 'Sampling…' : 'Refresh'}
        </button>
        {result && (
          <span className="muted small">
            {result.kind === 'files'
              ? `${formatCount(result.files?.length)} files`
              : `${formatCount(result.records?.length)} records`}
            {result.truncated ? ' (more follow)' : ''} · {formatDuration(result.durationMs)} · nothing was written
          </span>
        )}
      </div>
      {busy && !result && <p className="muted">Running what feeds {nodeId}…</p>}
      {error !== undefined && <ErrorBox error={error} onShowNode={close} />}
      {result?.kind === 'records' &&
        (result.records && result.records.length > 0 ? (
          <RecordsTable records={result.records} />
        ) : (
          <p className="empty-note">No records reach this port.</p>
        ))}
      {result?.kind === 'files' &&
        (result.files && result.files.length > 0 ? (
          <table className="table data-table">
            <thead>
              <tr>
                <th>File</th>
                <th>Stream</th>
                <th className="num">Rows</th>
                <th className="num">Size</th>
              </tr>
            </thead>
            <tbody>
              {result.files.map((file) => (
                <tr key={file.name}>
                  <td className="mono">{file.name}</td>
                  <td>{file.stream}</td>
                  <td className="num">{file.rows === undefined ? '' : formatCount(file.rows)}</td>
                  <td className="num">{formatBytes(file.bytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="empty-note">No files reach this port.</p>
        ))}
    </Modal>
  );
}
