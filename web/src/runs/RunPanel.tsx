import { useEffect, useState } from 'react';
import { api, describeError, rejectedUrl } from '../api/client.ts';
import type { LogLine, RejectedRow, RunView } from '../api/types.ts';
import { useEditorUi } from '../editor/editor-ui.ts';
import { cancelRun, follow, resumeRun, run as startRun } from '../editor/session.ts';
import { editorStore, useEditor } from '../store/editor.ts';
import type { LiveRun } from '../store/flow-store.ts';
import { formatAgo, formatCount, formatDuration, formatTime } from '../ui/format.ts';
import { DryRunPlan } from './DryRunPlan.tsx';
import { useEndedRun } from './ended-run.ts';
import { diffCountNames, diffCounts, type RunTotals, runTotals } from './run-totals.ts';
import { VerificationReport } from './VerificationReport.tsx';

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

/** Where each destination put its output (in a dry run: would have), as the server resolved it. */
function Outputs({ run, outputs }: { run: LiveRun; outputs: Record<string, string> }) {
  const entries = Object.entries(outputs);
  if (entries.length === 0) return null;
  const heading = run.dryRun
    ? 'Would write to'
    : run.status === 'succeeded'
      ? 'Output'
      : 'Output (unfinished: nothing is published until the run succeeds)';
  return (
    <div className="run-outputs" data-testid="run-outputs">
      <h3>{heading}</h3>
      <dl>
        {entries.map(([nodeId, location]) => (
          <div key={nodeId} className="run-output">
            <dt>{nodeId}</dt>
            <dd className="mono" title={location}>
              {location}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

const diffCountTitles = {
  inserted: 'A sync by key: records new to the destination',
  updated: 'A sync by key: records changed since the destination last took them',
  deleted: 'A mirror: records deleted because they vanished from the source',
  unchanged: 'A sync by key: records the destination holds as they are, not sent (counted in Filtered)',
} as const;

function Overview({ run, stored }: { run: LiveRun; stored: RunView | undefined }) {
  const outputs = stored?.outputs;
  const flow = useEditor((state) => state.flow);
  const ids = [...new Set([...flow.nodes.map((node) => node.id), ...Object.keys(run.nodes)])];
  // A diffed destination (a sync by key) says what it did with what it took; other runs keep the plain columns.
  const diffed = Object.values(run.nodes).some((counts) => diffCounts(counts) !== undefined);
  // A flow of tables counts no files: no column left empty on every line.
  const files = Object.values(run.nodes).some((counts) => counts.files !== undefined);
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
      <div className="table-scroll-x">
        <table className="table compact" data-testid="run-node-stats">
          <thead>
            <tr>
              <th>Node</th>
              <th className="num">Read</th>
              <th className="num">Written</th>
              {run.dryRun && (
                <th className="num" title="A dry run writes nothing: what each destination would have written">
                  Would write
                </th>
              )}
              <th className="num">Rejected</th>
              <th className="num">Filtered</th>
              {files && <th className="num">Files</th>}
              {diffed &&
                diffCountNames.map((name) => (
                  <th key={name} className="num" title={diffCountTitles[name]}>
                    {name[0]!.toUpperCase() + name.slice(1)}
                  </th>
                ))}
            </tr>
          </thead>
          <tbody>
            {ids.map((id) => {
              const counts = run.nodes[id];
              const diff = diffCounts(counts);
              return (
                <tr key={id}>
                  <td>
                    <button type="button" className="link" onClick={() => editorStore.getState().select([id])}>
                      {id}
                    </button>
                  </td>
                  <td className="num">{counts ? formatCount(counts.read) : '–'}</td>
                  <td className="num">{counts ? formatCount(counts.written) : '–'}</td>
                  {run.dryRun && (
                    <td className="num">{counts?.wouldWrite === undefined ? '' : formatCount(counts.wouldWrite)}</td>
                  )}
                  <td className={`num${counts?.rejected ? ' rejected' : ''}`}>
                    {counts ? formatCount(counts.rejected) : '–'}
                  </td>
                  <td className="num">{counts ? formatCount(counts.filtered) : '–'}</td>
                  {files && <td className="num">{counts?.files === undefined ? '' : formatCount(counts.files)}</td>}
                  {diffed &&
                    diffCountNames.map((name) => (
                      <td key={name} className={`num${name === 'deleted' && diff?.deleted ? ' deleted' : ''}`}>
                        {diff ? formatCount(diff[name]) : ''}
                      </td>
                    ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {stored?.verification && <VerificationReport runId={run.runId} report={stored.verification} nodes={flow.nodes} />}
      {stored?.plan && <DryRunPlan runId={run.runId} plan={stored.plan} nodes={flow.nodes} />}
      {outputs && <Outputs run={run} outputs={outputs} />}
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
      <div className="rejected-downloads" data-testid="rejected-downloads">
        Download all {formatCount(total)}:{' '}
        <a href={rejectedUrl(run.runId, 'ndjson')} download={`${run.runId}-rejected.ndjson`}>
          NDJSON
        </a>{' '}
        <a href={rejectedUrl(run.runId, 'csv')} download={`${run.runId}-rejected.csv`}>
          CSV
        </a>
      </div>
      <table className="table compact data-table" data-testid="rejected-table">
        <thead>
          <tr>
            <th>Node</th>
            <th>Why</th>
            <th>Where</th>
            <th title="The record; for a line that did not parse, the line as it stood in the file">Record or line</th>
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
              <td className="mono small record-cell">
                {row.record === null && row.raw !== undefined ? (
                  <span className="raw-line" title="The text as it stood in the file">
                    {row.raw}
                  </span>
                ) : (
                  JSON.stringify(row.record)
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.more && <p className="muted small">Showing the first 500; the downloads hold all of them.</p>}
    </div>
  );
}

/** What a run's destinations wrote; for a dry run, what they would have written, said so. */
export function WrittenCount({ totals, dryRun }: { totals: RunTotals; dryRun: boolean }) {
  if (!dryRun) return <>{formatCount(totals.written)}</>;
  return (
    <span className="would-write" title="A dry run writes nothing">
      would write {formatCount(totals.wouldWrite)}
    </span>
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
          const totals = runTotals(run);
          return (
            <tr key={run.runId} className={current?.runId === run.runId ? 'is-current' : ''}>
              <td title={run.runId}>
                {formatTime(run.startedAt)} <span className="muted small">{formatAgo(run.startedAt)}</span>
              </td>
              <td>
                <StatusBadge status={run.status} dryRun={run.dryRun} />
              </td>
              <td className="num">{formatDuration(run.durationMs)}</td>
              <td className="num">{formatCount(totals.read)}</td>
              <td className="num">
                <WrittenCount totals={totals} dryRun={run.dryRun} />
              </td>
              <td className={`num${totals.rejected ? ' rejected' : ''}`}>{formatCount(totals.rejected)}</td>
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

/**
 * What to offer after a run that did not succeed: Resume when it saved a checkpoint (it got somewhere
 * to continue from; a dry run never does), otherwise Run again. Nothing while its record loads.
 */
function RetryButton({ run, stored }: { run: LiveRun; stored: RunView | undefined }) {
  if (!stored || !['failed', 'cancelled', 'interrupted'].includes(run.status)) return null;
  if (!run.dryRun && stored.checkpointAt) {
    return (
      <button
        type="button"
        className="button small"
        title={`Continue from the checkpoint saved ${formatAgo(stored.checkpointAt)}, under the same run id`}
        onClick={() => resumeRun(run.runId, run.dryRun)}
      >
        Resume
      </button>
    );
  }
  return (
    <button
      type="button"
      className="button small"
      title="The run saved no checkpoint, so there is nothing to resume: start it anew"
      onClick={() => startRun(run.dryRun)}
    >
      Run again
    </button>
  );
}

/** The run shown on the canvas: status, per-node counts, logs, rejected records, and the flow's run history. */
export function RunPanel() {
  const run = useEditor((state) => state.run);
  const flowId = useEditor((state) => state.saved?.id);
  const tab = useEditorUi((state) => state.runTab);
  const [now, setNow] = useState(Date.now());
  /** The run a cancel was asked for: its button says so until the run ends. */
  const [cancelling, setCancelling] = useState<string>();
  const live = active(run?.status);
  const stored = useEndedRun(run?.runId, run?.status);
  useEffect(() => {
    if (!live) setCancelling(undefined);
  }, [live]);
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
              <button
                type="button"
                className="button small danger-outline"
                disabled={cancelling === run.runId}
                onClick={() => {
                  setCancelling(run.runId);
                  void cancelRun(run.runId).then((asked) => {
                    if (!asked) setCancelling(undefined);
                  });
                }}
              >
                {cancelling === run.runId ? 'Cancelling…' : 'Cancel'}
              </button>
            )}
            <RetryButton run={run} stored={stored} />
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
        {run && shownTab === 'overview' && <Overview run={run} stored={stored} />}
        {run && shownTab === 'logs' && <Logs run={run} />}
        {run && shownTab === 'rejected' && <Rejected run={run} />}
      </div>
    </section>
  );
}
