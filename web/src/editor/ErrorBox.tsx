import { describeIssue } from '@backflow/flow-model';
import { ApiError, describeError } from '../api/client.ts';
import { useShowNode } from './IssuesMenu.tsx';

/** An error from the server in words; each detail about a node is a link to that node. */
export function ErrorBox({ error, onShowNode }: { error: unknown; onShowNode?(): void }) {
  const showNode = useShowNode();
  const { message, details } = describeError(error);
  const issues = error instanceof ApiError ? error.details : [];
  const open = (nodeId: string) => {
    onShowNode?.();
    showNode(nodeId);
  };
  return (
    <div className="error-box" role="alert">
      <strong>{message}</strong>
      {details.length > 0 && (
        <ul>
          {details.map((detail, i) => {
            const nodeId = issues[i]?.nodeId;
            return (
              <li key={detail}>
                {nodeId ? (
                  <button type="button" className="link-button" onClick={() => open(nodeId)}>
                    {describeIssue(issues[i]!)}
                  </button>
                ) : (
                  detail
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
