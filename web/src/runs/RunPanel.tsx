import { useEffect, useState } from 'react';
import { api, describeError } from '../api/client.ts';
import type { LogLine, RejectedRow, RunView } from '../api/types.ts';
import { useEditorUi } from '../editor/editor-ui.ts';
import { cancelRun, follow, resumeRun } from '../editor/session.ts';
import { editorStore, useEditor } from '../store/editor.ts';
import type { LiveRun } from '../store/flow-store.ts';
import { formatAgo, formatCount, formatDuration, formatTime } from '../ui/format.ts';

const active = (status: string | undefined) => status === 'running' || status === 'queued';

export function StatusBadge({ status, dryRun }: { status: string; dryRun?: boolean }) {
  return (
    <span className={`status-badge status-${status}`} data-testid="run-status">
      {status}
      {dryRun ? ' (dry run)' : ''}
    </span>
  );
}

function elapsed(run: LiveRun, now: number): number {
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  return Math.max(0, end - Date.parse(run.startedAt));
}

function Overview({ run }: { run: LiveRun }) {
  const flow = useEditor((state) => state.flow);
  const ids = [...new Set([...flow.nodes.map((node) => node.id), ...Object.keys(run.nodes)])];
  return (
    <div className="run-overview">
      {run.error && (
        <div className="error-box" role="alert">
          <strong>{run.error.message}</strong>
          {run.error.nodeId && <span> (node {run.error.nodeId})</span>}
          {run.error.details?.length > 0 && (
            <ul>
              {run.error.details.map((detail) => (
                <li key={`${detail.path}:${detail.message}`}>
                  {detail.path ? `${detail.path}: ` : ''}
                  {detail.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <table className="table compact" data-testid="run-node-stats">
        <thead>
          <tr>
            <th>Node</th>
            <th className="num">Read</th>
            <th className="num">Written</th>
            <th className="num">Rejected</th>
            <th className="num">Filtered</th>
            <th className="num">Files</th>
          </tr>
        </thead>
        <tbody>
          {ids.map((id) => {
            const counts = run.nodes[id];
            return (
              <tr key={id}>
                <td>
                  <button type="button" className="link" onClick={() => editorStore.getState().select([id])}>
                    {id}
                  </button>
                </td>
                <td className="num">{counts ? formatCount(counts.read) : '–'}</td>
                <td className="num">{counts ? formatCount(counts.written) : '–'}</td>
                <td className={`num${counts?.rejected ? ' rejected' : ''}`}>
                  {counts ? formatCount(counts.rejected) : '–'}
                </td>
                <td className="num">{counts ? formatCount(counts.filtered) : '–'}</td>
                <td className="num">{counts?.files === undefined ? '' : formatCount(counts.files)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Logs({ run }: { run: LiveRun }) {
  const [stored, setStored] = useState<{ runId: string; lines: LogLine[] }>();
  const [error, setError] = useState<string>();
  const live = active(run.status);
  useEffect(() => {
    if (live) return;
    api
      .runLogs(run.runId)
      .then((lines) => setStored({ runId: run.runId, lines }))
      .catch((caught) => setError(describeError(caught).message));
  }, [run.runId, live]);
  const lines = !live && stored?.runId === run.runId ? stored.lines : run.logs;
  if (error) return <p className="field-error">Could not read the logs: {error}</p>;
  if (lines.length === 0) return <p className="empty-note">No log lines yet.</p>;
  return (
    <div className="log-lines" data-testid="run-logs">
      {lines.map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: log lines may repeat; their order is their identity
        <div key={i} className={`log-line log-${line.level}`}>
          <span className="log-at">{line.at.slice(11, 23)}</span>
          <span className="log-level">{line.level}</span>
          {line.nodeId && <span className="log-node">{line.nodeId}</span>}
          <span className="log-message">{line.message}</span>
        </div>
      ))}
    </div>
  );
}

function Rejected({ run }: { run: LiveRun }) {
  const [rows, setRows] = useState<{ runId: string; rows: RejectedRow[]; more: boolean }>();
  const [error, setError] = useState<string>();
  const total = Object.values(run.nodes).reduce((sum, counts) => sum + counts.rejected, 0);
  const live = active(run.status);
  useEffect(() => {
    if (live) return;
    setError(undefined);
    api
      .rejected(run.runId, 500)
      .then((result) => setRows({ runId: run.runId, ...result }))
      .catch((caught) => setError(describeError(caught).message));
  }, [run.runId, live]);
  if (live)
    return (
      <p className="empty-note">
        {formatCount(total)} rejected so far; the records and their reasons are listed here once the run ends.
      </p>
    );
  if (error) return <p className="field-error">Could not read the rejected records: {error}</p>;
  if (!rows || rows.runId !== run.runId) return <p className="muted">Loading…</p>;
  if (rows.rows.length === 0) return <p className="empty-note">No record was rejected in this run.</p>;
  return (
    <div className="table-scroll">
      <table className="table compact data-table" data-testid="rejected-table">
        <thead>
          <tr>
            <th>Node</th>
            <th>Why</th>
            <th>Where</th>
            <th>Record</th>
          </tr>
        </thead>
        <tbody>
          {rows.rows.map((row, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rejected rows have no id of their own
            <tr key={i}>
              <td>{row.nodeId}</td>
              <td className="reasons">
                {row.reasons.map((reason) => (
                  <div key={reason}>{reason}</div>
                ))}
              </td>
              <td className="mono small">
                {row.file ?? ''}
                {row.line !== undefined ? `:${row.line}` : ''}
              </td>
              <td className="mono small record-cell">{JSON.stringify(row.record)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.more && <p className="muted small">Showing the first 500. The API streams all of them as NDJSON.</p>}
    </div>
  );
}

/** The flow's runs, newest first; the panel remounts it (by key) when the shown run changes status. */
function History({ flowId }: { flowId: string | undefined }) {
  const [runs, setRuns] = useState<RunView[]>();
  const [error, setError] = useState<string>();
  const current = useEditor((state) => state.run);
  useEffect(() => {
    if (!flowId) return;
    api
      .listRuns(flowId)
      .then(setRuns)
      .catch((caught) => setError(describeError(caught).message));
  }, [flowId]);
  if (!flowId) return <p className="empty-note">Save the flow to run it; its runs are listed here.</p>;
  if (error) return <p className="field-error">Could not list the runs: {error}</p>;
  if (!runs) return <p className="muted">Loading…</p>;
  if (runs.length === 0) return <p className="empty-note">This flow has not run yet. Press Run (or Dry run) above.</p>;
  return (
    <table className="table compact" data-testid="run-history">
      <thead>
        <tr>
          <th>Started</th>
          <th>Status</th>
          <th className="num">Duration</th>
          <th className="num">Read</th>
          <th className="num">Written</th>
          <th className="num">Rejected</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => {
          const counts = Object.values(run.nodes);
          const sources = counts.length > 0 ? counts : [];
          const read = Math.max(0, ...sources.map((c) => c.read));
          const written = Math.max(0, ...sources.map((c) => c.written));
          const rejected = sources.reduce((sum, c) => sum + c.rejected, 0);
          return (
            <tr key={run.runId} className={current?.runId === run.runId ? 'is-current' : ''}>
              <td title={run.runId}>
                {formatTime(run.startedAt)} <span className="muted small">{formatAgo(run.startedAt)}</span>
              </td>
              <td>
                <StatusBadge status={run.status} dryRun={run.dryRun} />
              </td>
              <td className="num">{formatDuration(run.durationMs)}</td>
              <td className="num">{formatCount(read)}</td>
              <td className="num">{formatCount(written)}</td>
              <td className={`num${rejected ? ' rejected' : ''}`}>{formatCount(rejected)}</td>
              <td className="actions">
                <button
                  type="button"
                  className="button small"
                  onClick={() => {
                    editorStore.getState().showRun(run);
                    if (active(run.status)) follow(run.runId);
                    useEditorUi.setState({ runTab: 'overview' });
                  }}
                >
                  Show
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const tabs = [
  { id: 'overview', label: 'Overview' },
  { id: 'logs', label: 'Logs' },
  { id: 'rejected', label: 'Rejected' },
  { id: 'history', label: 'History' },
] as const;

/** The run shown on the canvas: status, per-node counts, logs, rejected records, and the flow's run history. */
export function RunPanel() {
  const run = useEditor((state) => state.run);
  const flowId = useEditor((state) => state.saved?.id);
  const tab = useEditorUi((state) => state.runTab);
  const [now, setNow] = useState(Date.now());
  const live = active(run?.status);
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [live]);
  const shownTab = !run && tab !== 'history' ? 'history' : tab;

  return (
    <section className="run-panel" aria-label="Run" data-testid="run-panel">
      <header className="run-panel-header">
        <div className="tabs" role="tablist">
          {tabs.map((entry) => (
            <button
              type="button"
              role="tab"
              key={entry.id}
              aria-selected={shownTab === entry.id}
              className={`tab${shownTab === entry.id ? ' is-active' : ''}`}
              disabled={!run && entry.id !== 'history'}
              onClick={() => useEditorUi.setState({ runTab: entry.id })}
            >
              {entry.label}
            </button>
          ))}
        </div>
        {run && (
          <div className="run-summary">
            <StatusBadge status={run.status} dryRun={run.dryRun} />
            <span className="muted small mono">{run.runId}</span>
            <span className="muted small">{formatDuration(elapsed(run, now))}</span>
            {run.reconnecting && (
              <span
                className="run-reconnecting small"
                data-testid="run-reconnecting"
                title={`The live events dropped; attempt ${run.reconnecting.attempt}, retrying every ${Math.round(run.reconnecting.delayMs / 1000)} s or so`}
              >
                reconnecting…
              </span>
            )}
            {live && (
              <button type="button" className="button small danger-outline" onClick={() => cancelRun(run.runId)}>
                Cancel
              </button>
            )}
            {(run.status === 'failed' || run.status === 'cancelled' || run.status === 'interrupted') && (
              <button type="button" className="button small" onClick={() => resumeRun(run.runId, run.dryRun)}>
                Resume
              </button>
            )}
          </div>
        )}
        <button
          type="button"
          className="icon-button"
          aria-label="Close the run panel"
          onClick={() => useEditorUi.setState({ runPanel: false })}
        >
          ×
        </button>
      </header>
      <div className="run-panel-body">
        {shownTab === 'history' && <History key={`${run?.runId}:${run?.status}`} flowId={flowId} />}
        {run && shownTab === 'overview' && <Overview run={run} />}
        {run && shownTab === 'logs' && <Logs run={run} />}
        {run && shownTab === 'rejected' && <Rejected run={run} />}
      </div>
    </section>
  );
}
