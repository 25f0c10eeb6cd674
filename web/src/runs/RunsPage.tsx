import { useCallback, useEffect, useState } from 'react';
import { api, describeError } from '../api/client.ts';
import type { RunView } from '../api/types.ts';
import { navigate } from '../app/router.ts';
import { BrandLink } from '../ui/BrandLink.tsx';
import { formatAgo, formatCount, formatDuration, formatTime } from '../ui/format.ts';
import { StatusBadge, WrittenCount } from './RunPanel.tsx';
import { runTotals } from './run-totals.ts';

/** How often the list is read again while one of its runs is still going. */
const refreshMs = 2000;

const isActive = (run: RunView) => run.status === 'running' || run.status === 'queued';

/** The editor of the run's flow, showing that run; runs of a flow file (the CLI's) have no saved flow to open. */
function runLink(run: RunView): string | undefined {
  return run.flowId && `/flows/${encodeURIComponent(run.flowId)}?run=${encodeURIComponent(run.runId)}`;
}

/** `/runs`: the latest runs of every flow, newest first; a click opens the flow's editor on that run. */
export function RunsPage() {
  const [runs, setRuns] = useState<RunView[]>();
  const [error, setError] = useState<string>();

  const refresh = useCallback(async () => {
    try {
      setRuns(await api.recentRuns());
      setError(undefined);
    } catch (caught) {
      setError(describeError(caught).message);
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const going = runs?.some(isActive) ?? false;
  useEffect(() => {
    if (!going) return;
    const timer = setInterval(() => void refresh(), refreshMs);
    return () => clearInterval(timer);
  }, [going, refresh]);

  return (
    <div className="flows-page runs-page">
      <header className="topbar">
        <BrandLink />
        <div className="toolbar right">
          <button type="button" className="button ghost" onClick={() => navigate('/')}>
            Flows
          </button>
        </div>
      </header>
      <main className="flows-main">
        <div className="flows-heading">
          <div>
            <h1>Runs</h1>
            <p className="muted">The latest runs of every flow, newest first. Open one to see it on its flow.</p>
          </div>
          <button type="button" className="button" onClick={() => void refresh()}>
            Refresh
          </button>
        </div>
        {error && (
          <div className="error-box" role="alert">
            <strong>Could not list the runs: {error}</strong>
          </div>
        )}
        {!runs && !error && <p className="muted">Loading…</p>}
        {runs && runs.length === 0 && (
          <div className="empty-state">
            <h2>No runs yet</h2>
            <p>Open a flow and press Run; its runs, and those of every other flow, are listed here.</p>
          </div>
        )}
        {runs && runs.length > 0 && (
          <table className="table runs-table" data-testid="runs-table">
            <thead>
              <tr>
                <th>Status</th>
                <th>Flow</th>
                <th>Started</th>
                <th className="num">Duration</th>
                <th className="num">Read</th>
                <th className="num">Written</th>
                <th className="num">Rejected</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => {
                const totals = runTotals(run);
                const link = runLink(run);
                return (
                  <tr
                    key={run.runId}
                    data-run={run.runId}
                    className={link ? 'is-clickable' : undefined}
                    onClick={() => link && navigate(link)}
                  >
                    <td>
                      <StatusBadge status={run.status} dryRun={run.dryRun} />
                    </td>
                    <td>
                      {link ? (
                        <a
                          href={link}
                          className="flow-link"
                          onClick={(event) => {
                            event.preventDefault();
                            event.stopPropagation();
                            navigate(link);
                          }}
                        >
                          {run.flow}
                        </a>
                      ) : (
                        <span title="A run of a flow file (backflow run): no saved flow to open">{run.flow}</span>
                      )}
                      <div className="muted small mono">{run.runId}</div>
                    </td>
                    <td>
                      {formatTime(run.startedAt)} <span className="muted small">{formatAgo(run.startedAt)}</span>
                    </td>
                    <td className="num">{formatDuration(run.durationMs)}</td>
                    <td className="num">{formatCount(totals.read)}</td>
                    <td className="num">
                      <WrittenCount totals={totals} dryRun={run.dryRun} />
                    </td>
                    <td className={`num${totals.rejected ? ' rejected' : ''}`}>{formatCount(totals.rejected)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </main>
    </div>
  );
}
