import { Handle, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import type { FlowNode, Port } from '../api/types.ts';
import type { CanvasNode } from '../flow/to-react-flow.ts';
import { diffCountNames, diffCounts } from '../runs/run-totals.ts';
import { useEditor } from '../store/editor.ts';
import { formatCompact, formatCount } from '../ui/format.ts';
import { RoleIcon } from '../ui/icons.tsx';
import { nodeRunStatus } from './node-status.ts';

/** One line that says what the node works on: its table, query, directory or path. */
function summaryOf(node: FlowNode): string | undefined {
  const config = node.config ?? {};
  for (const key of ['table', 'query', 'dir', 'path', 'expression']) {
    const value = config[key];
    if (typeof value === 'string' && value) return value.length > 34 ? `${value.slice(0, 33)}…` : value;
  }
  return node.connection ? `via ${node.connection}` : undefined;
}

function PortCell({ port, side }: { port: Port | undefined; side: 'in' | 'out' }) {
  if (!port) return <div className={`port-cell port-cell-${side}`} />;
  return (
    <div className={`port-cell port-cell-${side}`} title={`${port.name} (${port.kind})`}>
      <Handle
        type={side === 'in' ? 'target' : 'source'}
        position={side === 'in' ? Position.Left : Position.Right}
        id={port.name}
        className={`port port-${port.kind}`}
        data-port={`${side}:${port.name}`}
      />
      <span className="port-name">{port.name}</span>
    </div>
  );
}

/** A node on the canvas: its type, id, ports (one handle each, coloured by kind), issues and run counts. */
export const FlowNodeView = memo(function FlowNodeView({ id, data, selected }: NodeProps<CanvasNode>) {
  const { node, nodeType } = data;
  const issueCount = useEditor((state) => state.issues.byNode[id]?.length ?? 0);
  const counts = useEditor((state) => state.run?.nodes[id]);
  const status = useEditor((state) => nodeRunStatus(state.run, id, state.run?.nodes[id]));
  const inputs = nodeType?.inputs ?? [];
  const outputs = nodeType?.outputs ?? [];
  const rows = Math.max(inputs.length, outputs.length);
  const summary = summaryOf(node);
  const role = nodeType?.role ?? 'unknown';
  return (
    <div
      className={`flow-node role-${role}${selected ? ' is-selected' : ''}${issueCount ? ' has-issues' : ''}${status ? ` run-${status}` : ''}`}
      data-node-id={id}
    >
      <div className="flow-node-header">
        <RoleIcon role={role} />
        <div className="flow-node-titles">
          <div className="flow-node-title">{node.title ?? nodeType?.title ?? node.type}</div>
          <div className="flow-node-id">{id}</div>
        </div>
        {issueCount > 0 && (
          <span
            className="issue-badge"
            title={`${issueCount} issue${issueCount === 1 ? '' : 's'}: select the node to see them`}
          >
            {issueCount}
          </span>
        )}
      </div>
      {!nodeType && <div className="flow-node-summary is-error">unknown node type {node.type}</div>}
      {summary && <div className="flow-node-summary">{summary}</div>}
      {rows > 0 && (
        <div className="flow-node-ports">
          {Array.from({ length: rows }, (_, i) => (
            <div className="port-row" key={`${inputs[i]?.name ?? ''}|${outputs[i]?.name ?? ''}`}>
              <PortCell port={inputs[i]} side="in" />
              <PortCell port={outputs[i]} side="out" />
            </div>
          ))}
        </div>
      )}
      {status && (
        <div className="flow-node-run" data-status={status}>
          <span className={`status-dot status-${status}`} />
          <span className="flow-node-run-status">{status}</span>
          {counts && (
            <span
              className="flow-node-counts"
              title={`${formatCount(counts.read)} read, ${
                counts.wouldWrite === undefined
                  ? `${formatCount(counts.written)} written`
                  : `${formatCount(counts.wouldWrite)} would be written (dry run)`
              }, ${formatCount(counts.rejected)} rejected, ${formatCount(counts.filtered)} filtered${diffTitle(counts)}`}
            >
              {formatCompact(counts.read)} in ·{' '}
              {counts.wouldWrite === undefined
                ? `${formatCompact(counts.written)} out`
                : `${formatCompact(counts.wouldWrite)} would write`}
              {counts.rejected > 0 && <span className="rejected"> · {formatCompact(counts.rejected)} rejected</span>}
            </span>
          )}
        </div>
      )}
    </div>
  );
});

/** A diffed destination's counts for the node's tooltip: `; 3 inserted, 1 updated, 0 deleted, 96 unchanged`. */
function diffTitle(counts: Parameters<typeof diffCounts>[0]): string {
  const diff = diffCounts(counts);
  return diff ? `; ${diffCountNames.map((name) => `${formatCount(diff[name])} ${name}`).join(', ')}` : '';
}
