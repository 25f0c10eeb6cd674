import type { SavedFlow } from '../api/types.ts';
import { navigate } from '../app/router.ts';
import { exportFlow } from '../editor/session.ts';
import { StatusBadge } from '../runs/RunPanel.tsx';
import { readSchedule } from '../schedule/describe.ts';
import { formatAgo, formatTime } from '../ui/format.ts';

/** The flow's editor showing its last run. */
function lastRunLink(flow: SavedFlow): string {
  return `/flows/${encodeURIComponent(flow.id)}?run=${encodeURIComponent(flow.lastRun?.runId ?? '')}`;
}

/** The saved flows, one row each: name, size, schedule, last run, version, and what to do with it. */
export function FlowsTable(props: {
  flows: readonly SavedFlow[];
  onRename(flow: SavedFlow): void;
  onDelete(flow: SavedFlow): void;
}) {
  return (
    <table className="table flows-table" data-testid="flows-table">
      <thead>
        <tr>
          <th>Name</th>
          <th>Nodes</th>
          <th>Schedule</th>
          <th>Last run</th>
          <th>Saved</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {props.flows.map((flow) => (
          <FlowRow key={flow.id} flow={flow} onRename={props.onRename} onDelete={props.onDelete} />
        ))}
      </tbody>
    </table>
  );
}

function FlowRow({
  flow,
  onRename,
  onDelete,
}: {
  flow: SavedFlow;
  onRename(flow: SavedFlow): void;
  onDelete(flow: SavedFlow): void;
}) {
  return (
    <tr data-flow={flow.name}>
      <td>
        <a
          href={`/flows/${encodeURIComponent(flow.id)}`}
          className="flow-link"
          onClick={(event) => {
            event.preventDefault();
            navigate(`/flows/${encodeURIComponent(flow.id)}`);
          }}
        >
          {flow.name}
        </a>
        {flow.activeRunId && <span className="status-badge status-running">running</span>}
        {flow.document.description && <div className="muted small">{flow.document.description}</div>}
      </td>
      <td>{flow.document.nodes.length}</td>
      <td>
        {flow.document.schedule ? (
          <>
            <span className="mono small">{flow.document.schedule.cron}</span>
            <div className="muted small">
              {readSchedule(flow.document.schedule.cron, flow.document.schedule.timezone).text}
            </div>
          </>
        ) : (
          <span className="muted">manual</span>
        )}
      </td>
      <td className="last-run">
        {flow.lastRun ? (
          <a
            href={lastRunLink(flow)}
            title={`Run ${flow.lastRun.runId}, started ${formatTime(flow.lastRun.startedAt)}`}
            onClick={(event) => {
              event.preventDefault();
              navigate(lastRunLink(flow));
            }}
          >
            <StatusBadge status={flow.lastRun.status} dryRun={flow.lastRun.dryRun} />{' '}
            <span className="muted small">{formatAgo(flow.lastRun.finishedAt ?? flow.lastRun.startedAt)}</span>
          </a>
        ) : (
          <span className="muted">never</span>
        )}
      </td>
      <td>
        v{flow.version} <span className="muted small">{formatAgo(flow.updatedAt)}</span>
      </td>
      <td className="actions">
        <button type="button" className="button small" onClick={() => onRename(flow)}>
          Rename
        </button>
        <button type="button" className="button small" onClick={() => exportFlow(flow.id, flow.name)}>
          Export
        </button>
        <button type="button" className="button small danger" onClick={() => onDelete(flow)}>
          Delete
        </button>
      </td>
    </tr>
  );
}
