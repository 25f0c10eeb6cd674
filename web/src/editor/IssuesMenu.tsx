import { describeIssue } from '@backflow/flow-model';
import { useReactFlow } from '@xyflow/react';
import type { Issue } from '../api/types.ts';
import { editorStore, useEditor } from '../store/editor.ts';
import { usePopover } from '../ui/popover.ts';

/** Selects a node and brings it into view: where an issue or an error that names it points. */
export function useShowNode(): (nodeId: string) => void {
  const { fitView } = useReactFlow();
  return (nodeId) => {
    if (!editorStore.getState().flow.nodes.some((node) => node.id === nodeId)) return;
    editorStore.getState().select([nodeId]);
    void fitView({ nodes: [{ id: nodeId }], padding: 0.6, maxZoom: 1.1, duration: 200 });
  };
}

/** The flow's issues, counted in the top bar; each opens the node it is about. */
export function IssuesMenu() {
  const issues = useEditor((state) => state.issues);
  const { ref, open, setOpen } = usePopover<HTMLDivElement>();
  const showNode = useShowNode();
  const all: Issue[] = [...issues.flow, ...Object.values(issues.byNode).flat()];
  if (all.length === 0) return null;
  return (
    <div className="issues-menu" ref={ref}>
      <button
        type="button"
        className="issue-count"
        aria-expanded={open}
        data-testid="issue-count"
        onClick={() => setOpen(!open)}
      >
        {all.length} issue{all.length === 1 ? '' : 's'}
      </button>
      {open && (
        <ul className="issues-popover" data-testid="issues-list">
          {all.map((issue) => (
            <li key={`${issue.path}:${issue.message}`} className="issues-popover-item">
              {issue.nodeId ? (
                <button
                  type="button"
                  className="link-button"
                  onClick={() => {
                    setOpen(false);
                    showNode(issue.nodeId!);
                  }}
                >
                  {describeIssue(issue)}
                </button>
              ) : (
                describeIssue(issue)
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
