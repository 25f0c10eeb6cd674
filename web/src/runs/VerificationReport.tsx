import { useMemo } from 'react';
import type { FlowNode, StreamVerification } from '../api/types.ts';
import { formatCount } from '../ui/format.ts';
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
  const download = useMemo(
    () => `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(report, null, 2))}`,
    [report],
  );
  const entries = Object.entries(report);
  if (entries.length === 0) return null;
  return (
    <div className="run-verification" data-testid="run-verification">
      <div className="verification-head">
        <h3>Verification</h3>
        <a className="small" href={download} download={`${runId}-verification.json`}>
          Download JSON
        </a>
      </div>
      {entries.map(([nodeId, streams]) => {
        const node = nodes.find((candidate) => candidate.id === nodeId);
        const name = node?.title ?? nodeId;
        const verdicts = streams.map(verdictOf);
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
                    <th>Stream → table</th>
                    <th className="num">Source</th>
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
