/** What the page shows before any flow is saved: the three ways to start one. */
export function FlowsEmpty() {
  return (
    <div className="empty-state" data-testid="flows-empty">
      <h2>No flows yet</h2>
      <p>
        Start from a template below, create an empty flow, or import a flow file (one exported from Backflow, or any
        flow JSON you run with <code>backflow run</code>).
      </p>
    </div>
  );
}
