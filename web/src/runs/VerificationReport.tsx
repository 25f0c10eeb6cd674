import type { FlowNode, StreamVerification } from '../api/types.ts';
import { formatCount } from '../ui/format.ts';
import { NodeHeading, ReportHead } from './ReportParts.tsx';
import { verdictOf } from './verification.ts';

/**
 * What each destination verified before publishing (databases: per table, counts and checksums),
 * by the destination's name: a mismatch is red and names the table and its first differing key.
 */
export function VerificationReport({
  runId,
  report,
  nodes,
}: {
  runId: string;
  report: Record<string, StreamVerification[]>;
  nodes: readonly FlowNode[];
}) {
  const entries = Object.entries(report);
  if (entries.length === 0) return null;
  return (
    <div className="run-verification" data-testid="run-verification">
      <ReportHead title="Verification" fileName={`${runId}-verification.json`} report={report} />
      {entries.map(([nodeId, streams]) => {
        const verdicts = streams.map(verdictOf);
        // CRM writes say what they created and updated, and which relations they made.
        const writes = streams.some((stream) => stream.created !== undefined);
        const relations = streams.flatMap((stream) =>
          (stream.relations ?? []).map((relation) => ({ stream: stream.target, ...relation })),
        );
        return (
          <div key={nodeId} className="verification-node" data-node-id={nodeId}>
            <NodeHeading nodeId={nodeId} nodes={nodes} />
            <div className="table-scroll">
              <table className="table compact verification-table">
                <thead>
                  <tr>
                    <th>Stream → table</th>
                    <th className="num">Source</th>
                    {writes && <th className="num">Created</th>}
                    {writes && <th className="num">Updated</th>}
                    <th className="num">Loaded</th>
                    <th className="num">Rejected</th>
                    <th className="num">Missing</th>
                    <th>Checksum</th>
                  </tr>
                </thead>
                <tbody>
                  {streams.map((stream, index) => {
                    const verdict = verdicts[index]!;
                    return (
                      <tr key={stream.stream} className={verdict.ok ? '' : 'mismatch'}>
                        <td>
                          {stream.stream === stream.target ? stream.target : `${stream.stream} → ${stream.target}`}
                        </td>
                        <td className="num">{formatCount(stream.source)}</td>
                        {writes && <td className="num">{formatCount(stream.created ?? 0)}</td>}
                        {writes && <td className="num">{formatCount(stream.updated ?? 0)}</td>}
                        <td className="num">{formatCount(stream.loaded)}</td>
                        <td className={`num${stream.rejected ? ' rejected' : ''}`}>{formatCount(stream.rejected)}</td>
                        <td className={`num${stream.missing !== 0 ? ' mismatch' : ''}`}>
                          {formatCount(stream.missing)}
                        </td>
                        <td
                          className={verdict.ok ? 'ok' : 'mismatch'}
                          title={stream.checksum ? `${stream.checksum.source} / ${stream.checksum.destination}` : ''}
                        >
                          {verdict.checksum}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            {relations.length > 0 && (
              <div className="table-scroll">
                <table className="table compact verification-table" data-testid="verification-relations">
                  <thead>
                    <tr>
                      <th>Relation</th>
                      <th className="num">Expected</th>
                      <th className="num">Present</th>
                    </tr>
                  </thead>
                  <tbody>
                    {relations.map((relation) => (
                      <tr
                        key={`${relation.stream}:${relation.name}`}
                        className={relation.present === relation.expected ? '' : 'mismatch'}
                      >
                        <td>
                          {relation.stream}: {relation.name}
                        </td>
                        <td className="num">{formatCount(relation.expected)}</td>
                        <td className={`num ${relation.present === relation.expected ? 'ok' : 'mismatch'}`}>
                          {formatCount(relation.present)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {streams
              .filter((stream) => (stream.reasons ?? []).length > 0)
              .map((stream) => (
                <details key={`reasons:${stream.stream}`} className="verification-reasons">
                  <summary>
                    Why {formatCount(stream.rejected)} {stream.target} record(s) were rejected
                  </summary>
                  <ul>
                    {stream.reasons!.map((reason) => (
                      <li key={reason.reason}>
                        <span className="num">{formatCount(reason.count)}×</span> {reason.reason}
                      </li>
                    ))}
                  </ul>
                </details>
              ))}
            {verdicts
              .filter((verdict) => verdict.problem)
              .map((verdict) => (
                <p key={verdict.problem} className="field-error" role="alert">
                  {verdict.problem}
                </p>
              ))}
          </div>
        );
      })}
    </div>
  );
}
