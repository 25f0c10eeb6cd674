/** A problem with a flow: where it is (a JSON path such as `nodes[2].config.rowsPerFile`) and its node. */
export interface FlowIssue {
  path: string;
  message: string;
  nodeId?: string;
  /** Which rule it breaks, where the rule has a stable code (the graph rules do). */
  code?: string;
}

/**
 * An issue as a person reads it, by node name rather than array position:
 * `my-source: path is required`, `archive: keepLast must be >= 1`, `edges: the edges form a cycle…`.
 * The CLI, the server's errors and the editor word issues with it.
 */
export function describeIssue(issue: { path?: string; message: string; nodeId?: string }): string {
  const inNode = /^nodes\[\d+\](?:\.config)?(?:\.(.*))?$/.exec(issue.path ?? '');
  if (!issue.nodeId || !inNode) return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
  const field = inNode[1] ?? '';
  const message = issue.message === 'required' ? 'is required' : issue.message;
  if (!field) return `${issue.nodeId}: ${message}`;
  // "path is required" reads as a sentence; "connection: no stored connection…" needs the colon.
  return `${issue.nodeId}: ${field}${/^(is|must|should|has) /.test(message) ? ' ' : ': '}${message}`;
}
