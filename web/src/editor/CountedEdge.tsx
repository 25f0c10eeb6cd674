import { BaseEdge, EdgeLabelRenderer, type EdgeProps, getBezierPath } from '@xyflow/react';
import { memo } from 'react';
import type { CanvasEdge } from '../flow/to-react-flow.ts';
import { useEditor } from '../store/editor.ts';
import { formatCount } from '../ui/format.ts';
import { edgeCountLabel } from './node-status.ts';

/** An edge with the records (or files) that passed along it in the run shown. */
export const CountedEdge = memo(function CountedEdge(props: EdgeProps<CanvasEdge>) {
  const [path, labelX, labelY] = getBezierPath(props);
  const label = useEditor((state) =>
    edgeCountLabel(state.run?.edges, props.data?.statKey, props.data?.kind, formatCount),
  );
  const live = useEditor((state) => state.run?.status === 'running');
  return (
    <>
      <BaseEdge id={props.id} path={path} className={live && label ? 'edge-live' : ''} interactionWidth={16} />
      {label && (
        <EdgeLabelRenderer>
          <div
            className={`edge-count edge-count-${props.data?.kind ?? 'records'}`}
            data-edge={props.id}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
          >
            {label}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
});
