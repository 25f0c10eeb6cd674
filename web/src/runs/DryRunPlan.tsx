import type { FlowNode, PlannedStream } from '../api/types.ts';
import { formatCount } from '../ui/format.ts';
import { NodeHeading, ReportHead } from './ReportParts.tsx';

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
  const entries = Object.entries(plan);
  if (entries.length === 0) return null;
  return (
    <div className="run-verification" data-testid="dry-run-plan">
      <ReportHead title="Dry run plan" fileName={`${runId}-plan.json`} report={plan} />
      {entries.map(([nodeId, streams]) => {
        return (
          <div key={nodeId} className="verification-node" data-node-id={nodeId}>
            <NodeHeading nodeId={nodeId} nodes={nodes} />
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
