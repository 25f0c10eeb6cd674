import { useMemo } from 'react';
import type { FlowNode, PlannedStream } from '../api/types.ts';
import { formatCount } from '../ui/format.ts';

/**
 * A dry run's plan, by destination name: per stream (object) the records that would be created,
 * updated or rejected, the relations that would be made, and a few samples of each, as sent.
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
  const download = useMemo(
    () => `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(plan, null, 2))}`,
    [plan],
  );
  const entries = Object.entries(plan);
  if (entries.length === 0) return null;
  return (
    <div className="run-verification" data-testid="dry-run-plan">
      <div className="verification-head">
        <h3>Dry run plan</h3>
        <a className="small" href={download} download={`${runId}-plan.json`}>
          Download JSON
        </a>
      </div>
      {entries.map(([nodeId, streams]) => {
        const node = nodes.find((candidate) => candidate.id === nodeId);
        const name = node?.title ?? nodeId;
        return (
          <div key={nodeId} className="verification-node" data-node-id={nodeId}>
            <h4>
              {name}
              {name !== nodeId && <span className="muted small"> ({nodeId})</span>}
            </h4>
            <div className="table-scroll">
              <table className="table compact verification-table">
                <thead>
                  <tr>
                    <th>Stream → object</th>
                    <th className="num">Create</th>
                    <th className="num">Update</th>
                    <th className="num">Reject</th>
                    <th>Relations</th>
                  </tr>
                </thead>
                <tbody>
                  {streams.map((stream) => (
                    <tr key={stream.stream}>
                      <td>{`${stream.stream} → ${stream.target}`}</td>
                      <td className="num">{formatCount(stream.create)}</td>
                      <td className="num">{formatCount(stream.update)}</td>
                      <td className={`num${stream.reject ? ' rejected' : ''}`}>{formatCount(stream.reject)}</td>
                      <td>
                        {(stream.relations ?? [])
                          .map((relation) => `${relation.name}: ${formatCount(relation.count)}`)
                          .join(', ') || '–'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {streams
              .filter((stream) => stream.samples.length > 0)
              .map((stream) => (
                <details key={`samples:${stream.stream}`} className="verification-reasons">
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
              ))}
          </div>
        );
      })}
    </div>
  );
}
