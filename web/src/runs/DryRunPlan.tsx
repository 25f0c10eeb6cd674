import { useState } from 'react';
import type { FlowNode, PlannedStream } from '../api/types.ts';
import { formatCount } from '../ui/format.ts';
import { type DiffCell, isDiffed, planDiff } from './plan-diff.ts';
import { NodeHeading, ReportHead } from './ReportParts.tsx';

/**
 * A dry run's plan, by destination name: per stream (object) the records that would be created,
 * updated or rejected, the relations that would be made, and a few samples of each, as sent. A
 * diffed destination (a sync by key) says what it would insert, update, delete and leave unchanged,
 * and shows its sampled changes as a diff: per field, the value now and the value it would get.
 */
export function DryRunPlan({
  runId,
  plan,
  nodes,
}: {
  runId: string;
  plan: Record<string, PlannedStream[]>;
  nodes: readonly FlowNode[];
}) {
  const entries = Object.entries(plan);
  if (entries.length === 0) return null;
  return (
    <div className="run-verification" data-testid="dry-run-plan">
      <ReportHead title="Dry run plan" fileName={`${runId}-plan.json`} report={plan} />
      {entries.map(([nodeId, streams]) => (
        <div key={nodeId} className="verification-node" data-node-id={nodeId}>
          <NodeHeading nodeId={nodeId} nodes={nodes} />
          <PlanCounts streams={streams} />
          {streams.map((stream) => (
            <ChangesTable key={`changes:${stream.stream}`} stream={stream} />
          ))}
          {streams
            .filter((stream) => stream.samples.length > 0)
            .map((stream) => (
              <Samples key={`samples:${stream.stream}`} stream={stream} />
            ))}
        </div>
      ))}
    </div>
  );
}

/** One line per stream: its counts per action; a diffed destination's in its words (insert, delete, unchanged). */
function PlanCounts({ streams }: { streams: PlannedStream[] }) {
  const diffed = streams.some(isDiffed);
  const relations = !diffed || streams.some((stream) => (stream.relations ?? []).length > 0);
  const rejects = !diffed || streams.some((stream) => stream.reject > 0);
  return (
    <div className="table-scroll">
      <table className="table compact verification-table" data-testid="plan-counts">
        <thead>
          <tr>
            <th>{diffed ? 'Stream' : 'Stream → object'}</th>
            <th className="num">{diffed ? 'Insert' : 'Create'}</th>
            <th className="num">Update</th>
            {diffed && <th className="num">Delete</th>}
            {diffed && <th className="num">Unchanged</th>}
            {rejects && <th className="num">Reject</th>}
            {relations && <th>Relations</th>}
          </tr>
        </thead>
        <tbody>
          {streams.map((stream) => (
            <tr key={stream.stream}>
              <td>{stream.stream === stream.target ? stream.stream : `${stream.stream} → ${stream.target}`}</td>
              <td className="num">{formatCount(stream.create)}</td>
              <td className="num">{formatCount(stream.update)}</td>
              {diffed && <td className={`num${stream.delete ? ' deleted' : ''}`}>{formatCount(stream.delete)}</td>}
              {diffed && <td className="num">{formatCount(stream.unchanged)}</td>}
              {rejects && <td className={`num${stream.reject ? ' rejected' : ''}`}>{formatCount(stream.reject)}</td>}
              {relations && (
                <td>
                  {(stream.relations ?? [])
                    .map((relation) => `${relation.name}: ${formatCount(relation.count)}`)
                    .join(', ') || '–'}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const actionLabel = { insert: 'Insert', update: 'Update', delete: 'Delete' } as const;

/** A value in a diff cell; null in its own style, so it never reads as the text "null". */
function Value({ text, isNull }: { text: string | undefined; isNull: boolean | undefined }) {
  return isNull ? <span className="diff-null">null</span> : (text ?? null);
}

/** What one field of one change shows: the value now struck through or dimmed, an arrow, the value it would get. */
function Cell({ cell }: { cell: DiffCell }) {
  switch (cell.kind) {
    case 'absent':
      return <td className="diff-cell absent">–</td>;
    case 'added':
    case 'sent':
      return (
        <td className={`diff-cell ${cell.kind}`}>
          <Value text={cell.after} isNull={cell.afterNull} />
        </td>
      );
    case 'removed':
      return (
        <td className="diff-cell removed">
          <del>
            <Value text={cell.before} isNull={cell.beforeNull} />
          </del>
        </td>
      );
    case 'same':
      return (
        <td className="diff-cell same">
          {cell.after === undefined ? (
            <Value text={cell.before} isNull={cell.beforeNull} />
          ) : (
            <Value text={cell.after} isNull={cell.afterNull} />
          )}
        </td>
      );
    case 'changed':
      return (
        <td className="diff-cell changed">
          {cell.before !== undefined && (
            <>
              <del className="diff-before">
                <Value text={cell.before} isNull={cell.beforeNull} />
              </del>
              <span className="diff-arrow"> → </span>
            </>
          )}
          <ins className="diff-after">
            <Value text={cell.after} isNull={cell.afterNull} />
          </ins>
        </td>
      );
  }
}

/**
 * A diffed stream's sampled changes, one row per key: inserts with the values they would write,
 * updates field by field (what changes stands out, the rest is dimmed and, by default, the fields no
 * change touches are hidden), deletes with the values they would remove, struck through.
 */
function ChangesTable({ stream }: { stream: PlannedStream }) {
  const [allFields, setAllFields] = useState(false);
  const table = planDiff(stream.changes);
  if (!table) return null;
  const hidden = table.fields.filter((field) => !table.touched.has(field));
  const shown = allFields ? table.fields : table.fields.filter((field) => table.touched.has(field));
  const beforeUnknown = table.rows.some((row) => !row.beforeKnown);
  return (
    <div className="plan-changes" data-testid="plan-changes" data-stream={stream.stream}>
      <div className="plan-changes-head">
        <h5>
          Changes of {stream.stream === stream.target ? stream.stream : `${stream.stream} → ${stream.target}`}{' '}
          <span className="muted">(the first few of each action)</span>
        </h5>
        {hidden.length > 0 && (
          <label className="plan-changes-toggle">
            <input type="checkbox" checked={allFields} onChange={(event) => setAllFields(event.target.checked)} /> Show
            unchanged fields ({hidden.length})
          </label>
        )}
      </div>
      <div className="table-scroll">
        <table className="table compact plan-diff" data-testid="plan-diff">
          <thead>
            <tr>
              <th>Action</th>
              <th>{table.keyFields.join(', ')}</th>
              {shown.map((field) => (
                <th key={field} className={table.touched.has(field) ? undefined : 'untouched'}>
                  {field}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row) => (
              <tr key={`${row.action}:${row.key}`} className={`diff-${row.action}`} data-key={row.key}>
                <td>
                  <span className={`diff-action ${row.action}`}>{actionLabel[row.action]}</span>
                </td>
                <td className="diff-key">{row.action === 'delete' ? <del>{row.key}</del> : row.key}</td>
                {shown.map((field) => (
                  <Cell key={field} cell={row.cells[field]!} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {beforeUnknown && (
        <p className="field-hint">
          This destination cannot read its records now, so updates and deletes show only their key and what would be
          sent.
        </p>
      )}
    </div>
  );
}

/** A CRM's samples of each action, as they would be sent. */
function Samples({ stream }: { stream: PlannedStream }) {
  return (
    <details className="verification-reasons">
      <summary>Samples of {stream.target}</summary>
      <div className="table-scroll">
        <table className="table compact plan-samples">
          <thead>
            <tr>
              <th>Action</th>
              <th>Source id</th>
              <th>Fields sent</th>
              <th>Relations</th>
            </tr>
          </thead>
          <tbody>
            {stream.samples.map((sample, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: samples are a fixed list, never reordered
              <tr key={index} className={sample.action === 'reject' ? 'mismatch' : ''}>
                <td>
                  {sample.action}
                  {sample.destinationId ? ` ${sample.destinationId}` : ''}
                </td>
                <td>{sample.sourceId ?? '–'}</td>
                <td className="mono">{sample.reason ?? JSON.stringify(sample.fields)}</td>
                <td className="mono">
                  {Object.entries(sample.relations ?? {})
                    .map(([relation, id]) => `${relation} → ${id}`)
                    .join(', ') || '–'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
