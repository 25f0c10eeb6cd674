import { useMemo } from 'react';
import type { FlowNode } from '../api/types.ts';

/** A run report's heading with its JSON download (the verification report, a dry run's plan). */
export function ReportHead({ title, fileName, report }: { title: string; fileName: string; report: unknown }) {
  const download = useMemo(
    () => `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(report, null, 2))}`,
    [report],
  );
  return (
    <div className="verification-head">
      <h3>{title}</h3>
      <a className="small" href={download} download={fileName}>
        Download JSON
      </a>
    </div>
  );
}

/** A destination's part of a report, headed by its name (and its id when the name differs). */
export function NodeHeading({ nodeId, nodes }: { nodeId: string; nodes: readonly FlowNode[] }) {
  const name = nodes.find((candidate) => candidate.id === nodeId)?.title ?? nodeId;
  return (
    <h4>
      {name}
      {name !== nodeId && <span className="muted small"> ({nodeId})</span>}
    </h4>
  );
}
