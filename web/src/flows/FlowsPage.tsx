import { type ChangeEvent, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api, describeError, signIn } from '../api/client.ts';
import type { Flow, SavedFlow } from '../api/types.ts';
import { navigate } from '../app/router.ts';
import { exportFlow, openUnsaved } from '../editor/session.ts';
import { ConnectionsDialog } from '../forms/lazy.tsx';
import { StatusBadge } from '../runs/RunPanel.tsx';
import { readSchedule } from '../schedule/describe.ts';
import { renameFlowProblem } from '../schedule/FlowSettings.tsx';
import { formatAgo, formatTime } from '../ui/format.ts';
import { Modal } from '../ui/Modal.tsx';
import { toast, toastError } from '../ui/toasts.tsx';
import { parseFlowFile } from './import-flow.ts';

/** The flow's editor showing its last run. */
function lastRunLink(flow: SavedFlow): string {
  return `/flows/${encodeURIComponent(flow.id)}?run=${encodeURIComponent(flow.lastRun?.runId ?? '')}`;
}

/** A name not used by any saved flow: `name`, else `name-2`, `name-3`… */
function freeName(name: string, flows: readonly SavedFlow[]): string {
  const taken = new Set(flows.map((flow) => flow.name));
  if (!taken.has(name)) return name;
  for (let i = 2; ; i++) if (!taken.has(`${name}-${i}`)) return `${name}-${i}`;
}

function NameDialog(props: {
  title: string;
  initial: string;
  action: string;
  onSubmit(name: string): Promise<void>;
  onClose(): void;
}) {
  const [name, setName] = useState(props.initial);
  const [busy, setBusy] = useState(false);
  const problem = renameFlowProblem(name);
  const submit = async () => {
    if (problem) return;
    setBusy(true);
    try {
      await props.onSubmit(name);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      title={props.title}
      onClose={props.onClose}
      testId="name-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="button" className="button primary" disabled={Boolean(problem) || busy} onClick={submit}>
            {props.action}
          </button>
        </>
      }
    >
      <label className="field">
        <span className="field-label">Flow name</span>
        <input
          // biome-ignore lint/a11y/noAutofocus: the dialog exists to type this name
          autoFocus
          value={name}
          onChange={(event) => setName(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') void submit();
          }}
          aria-invalid={Boolean(problem)}
        />
        <span className={problem ? 'field-error' : 'field-hint'}>
          {problem ?? 'Letters, digits and _ . - (no spaces)'}
        </span>
      </label>
    </Modal>
  );
}

/** What to do with an imported file whose name a saved flow already has. */
function ImportConflict(props: { flow: Flow; existing: SavedFlow; suggestion: string; onDone(): void }) {
  const [busy, setBusy] = useState(false);
  const finish = async (work: () => Promise<SavedFlow>) => {
    setBusy(true);
    try {
      const saved = await work();
      toast(`Imported “${saved.name}” (version ${saved.version})`, { tone: 'success' });
      props.onDone();
      navigate(`/flows/${encodeURIComponent(saved.id)}`);
    } catch (error) {
      toastError('Could not import', error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      title="A flow with this name exists"
      onClose={props.onDone}
      testId="import-conflict"
      footer={
        <>
          <button type="button" className="button" onClick={props.onDone}>
            Cancel
          </button>
          <button
            type="button"
            className="button"
            disabled={busy}
            onClick={() => finish(() => api.createFlow({ ...props.flow, name: props.suggestion }))}
          >
            Import as “{props.suggestion}”
          </button>
          <button
            type="button"
            className="button primary"
            disabled={busy}
            onClick={() => finish(() => api.saveFlow(props.existing.id, props.flow))}
          >
            Save as a new version of “{props.existing.name}”
          </button>
        </>
      }
    >
      <p>
        “{props.flow.name}” is already saved (version {props.existing.version}). Saving the file as its next version
        keeps the earlier versions; or import it under another name.
      </p>
    </Modal>
  );
}

export function FlowsPage() {
  const [flows, setFlows] = useState<SavedFlow[]>();
  const [error, setError] = useState<{ message: string; details: string[] }>();
  const [dialog, setDialog] = useState<
    | { kind: 'new' }
    | { kind: 'template'; flow: Flow }
    | { kind: 'rename'; flow: SavedFlow }
    | { kind: 'conflict'; flow: Flow; existing: SavedFlow }
    | { kind: 'connections' }
  >();
  const fileInput = useRef<HTMLInputElement>(null);
  const [templates, setTemplates] = useState<Flow[]>([]);

  const refresh = useCallback(async () => {
    try {
      setFlows(await api.listFlows());
      setError(undefined);
      setTemplates(await api.templates());
    } catch (caught) {
      setError(describeError(caught));
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const remove = async (flow: SavedFlow) => {
    if (!confirm(`Delete the flow “${flow.name}” and its saved versions? Its runs stay in the history.`)) return;
    try {
      await api.deleteFlow(flow.id);
      toast(`Deleted “${flow.name}”`);
      await refresh();
    } catch (caught) {
      toastError('Could not delete', caught);
    }
  };

  const rename = async (flow: SavedFlow, name: string) => {
    try {
      await api.saveFlow(flow.id, { ...flow.document, name });
      setDialog(undefined);
      await refresh();
    } catch (caught) {
      toastError('Could not rename', caught);
    }
  };

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    let flow: Flow;
    try {
      flow = parseFlowFile(await file.text());
    } catch (caught) {
      toast(`${file.name} is not a flow: ${(caught as Error).message}`, { tone: 'error' });
      return;
    }
    const existing = flows?.find((saved) => saved.name === flow.name);
    if (existing) {
      setDialog({ kind: 'conflict', flow, existing });
      return;
    }
    try {
      const saved = await api.createFlow(flow);
      toast(`Imported “${saved.name}”`, { tone: 'success' });
      navigate(`/flows/${encodeURIComponent(saved.id)}`);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 409) await refresh();
      toastError(`Could not import ${file.name}`, caught);
    }
  };

  return (
    <div className="flows-page">
      <header className="topbar">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Backflow
        </span>
        <div className="toolbar right">
          <button type="button" className="button ghost" onClick={() => navigate('/runs')} data-testid="runs-link">
            Runs
          </button>
          <button type="button" className="button ghost" onClick={() => setDialog({ kind: 'connections' })}>
            Connections
          </button>
        </div>
      </header>
      <main className="flows-main">
        <div className="flows-heading">
          <div>
            <h1>Flows</h1>
            <p className="muted">Backups, migrations and reverse ETL as graphs of streaming nodes.</p>
          </div>
          <div className="button-row">
            <button type="button" className="button" onClick={() => fileInput.current?.click()} data-testid="import">
              Import JSON…
            </button>
            <input
              ref={fileInput}
              type="file"
              accept=".json,application/json"
              hidden
              onChange={onFile}
              data-testid="import-file"
            />
            <button
              type="button"
              className="button primary"
              onClick={() => setDialog({ kind: 'new' })}
              data-testid="new-flow"
            >
              New flow
            </button>
          </div>
        </div>

        {error && (
          <div className="error-box" role="alert">
            <strong>Could not list the flows: {error.message}</strong>
            {error.details.map((detail) => (
              <div key={detail}>{detail}</div>
            ))}
            <p className="muted">
              Is the server running (<code>npm start</code>)? A server started with BACKFLOW_TOKEN needs the token once:
              sign in below (this browser then holds a session until the server restarts).
            </p>
            <TokenForm onSaved={refresh} />
          </div>
        )}
        {!flows && !error && <p className="muted">Loading…</p>}
        {flows && flows.length === 0 && (
          <div className="empty-state" data-testid="flows-empty">
            <h2>No flows yet</h2>
            <p>
              Start from a template below, create an empty flow, or import a flow file (one exported from Backflow, or
              any flow JSON you run with <code>backflow run</code>).
            </p>
          </div>
        )}
        {flows && flows.length > 0 && (
          <table className="table flows-table" data-testid="flows-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Nodes</th>
                <th>Schedule</th>
                <th>Last run</th>
                <th>Saved</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {flows.map((flow) => (
                <tr key={flow.id} data-flow={flow.name}>
                  <td>
                    <a
                      href={`/flows/${encodeURIComponent(flow.id)}`}
                      className="flow-link"
                      onClick={(event) => {
                        event.preventDefault();
                        navigate(`/flows/${encodeURIComponent(flow.id)}`);
                      }}
                    >
                      {flow.name}
                    </a>
                    {flow.activeRunId && <span className="status-badge status-running">running</span>}
                    {flow.document.description && <div className="muted small">{flow.document.description}</div>}
                  </td>
                  <td>{flow.document.nodes.length}</td>
                  <td>
                    {flow.document.schedule ? (
                      <>
                        <span className="mono small">{flow.document.schedule.cron}</span>
                        <div className="muted small">
                          {readSchedule(flow.document.schedule.cron, flow.document.schedule.timezone).text}
                        </div>
                      </>
                    ) : (
                      <span className="muted">manual</span>
                    )}
                  </td>
                  <td className="last-run">
                    {flow.lastRun ? (
                      <a
                        href={lastRunLink(flow)}
                        title={`Run ${flow.lastRun.runId}, started ${formatTime(flow.lastRun.startedAt)}`}
                        onClick={(event) => {
                          event.preventDefault();
                          navigate(lastRunLink(flow));
                        }}
                      >
                        <StatusBadge status={flow.lastRun.status} dryRun={flow.lastRun.dryRun} />{' '}
                        <span className="muted small">
                          {formatAgo(flow.lastRun.finishedAt ?? flow.lastRun.startedAt)}
                        </span>
                      </a>
                    ) : (
                      <span className="muted">never</span>
                    )}
                  </td>
                  <td>
                    v{flow.version} <span className="muted small">{formatAgo(flow.updatedAt)}</span>
                  </td>
                  <td className="actions">
                    <button type="button" className="button small" onClick={() => setDialog({ kind: 'rename', flow })}>
                      Rename
                    </button>
                    <button type="button" className="button small" onClick={() => exportFlow(flow.id, flow.name)}>
                      Export
                    </button>
                    <button type="button" className="button small danger" onClick={() => remove(flow)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}

        <section className="templates">
          <h2>Templates</h2>
          <p className="muted">The repository’s examples: open one, adjust it, save it under your own name.</p>
          <div className="template-grid">
            {templates.map((template) => (
              <button
                type="button"
                key={template.name}
                className="template-card"
                data-template={template.name}
                onClick={() => setDialog({ kind: 'template', flow: template })}
              >
                <span className="template-name">{template.name}</span>
                <span className="template-description">{template.description}</span>
                <span className="template-nodes">{template.nodes.map((node) => node.type).join(' → ')}</span>
              </button>
            ))}
          </div>
        </section>
      </main>

      {dialog?.kind === 'new' && (
        <NameDialog
          title="New flow"
          action="Create"
          initial={freeName('new-flow', flows ?? [])}
          onClose={() => setDialog(undefined)}
          onSubmit={async (name) => {
            if (flows?.some((flow) => flow.name === name)) {
              toast(`A flow named “${name}” exists already`, { tone: 'error' });
              return;
            }
            openUnsaved({ name, nodes: [], edges: [] });
          }}
        />
      )}
      {dialog?.kind === 'template' && (
        <NameDialog
          title={`New flow from ${dialog.flow.name}`}
          action="Open"
          initial={freeName(dialog.flow.name, flows ?? [])}
          onClose={() => setDialog(undefined)}
          onSubmit={async (name) => {
            if (flows?.some((flow) => flow.name === name)) {
              toast(`A flow named “${name}” exists already`, { tone: 'error' });
              return;
            }
            // Laid out afresh for this editor's node size (the files' positions suit a narrower drawing).
            const flow = structuredClone(dialog.flow);
            openUnsaved({ ...flow, name, nodes: flow.nodes.map(({ position: _position, ...node }) => node) });
          }}
        />
      )}
      {dialog?.kind === 'rename' && (
        <NameDialog
          title={`Rename ${dialog.flow.name}`}
          action="Rename"
          initial={dialog.flow.name}
          onClose={() => setDialog(undefined)}
          onSubmit={(name) => rename(dialog.flow, name)}
        />
      )}
      {dialog?.kind === 'conflict' && (
        <ImportConflict
          flow={dialog.flow}
          existing={dialog.existing}
          suggestion={freeName(dialog.flow.name, flows ?? [])}
          onDone={() => {
            setDialog(undefined);
            void refresh();
          }}
        />
      )}
      {dialog?.kind === 'connections' && (
        <Suspense fallback={null}>
          <ConnectionsDialog onClose={() => setDialog(undefined)} />
        </Suspense>
      )}
    </div>
  );
}

function TokenForm({ onSaved }: { onSaved(): void }) {
  const [token, setToken] = useState('');
  const [refused, setRefused] = useState<string>();
  return (
    <form
      className="token-form"
      onSubmit={(event) => {
        event.preventDefault();
        signIn(token).then(
          () => {
            setRefused(undefined);
            setToken('');
            onSaved();
          },
          (error: unknown) => setRefused(describeError(error).message),
        );
      }}
    >
      <label>
        Token{' '}
        <input
          type="password"
          value={token}
          onChange={(event) => setToken(event.target.value)}
          placeholder="BACKFLOW_TOKEN"
          autoComplete="current-password"
        />
      </label>
      <button type="submit" className="button small" disabled={token === ''}>
        Sign in
      </button>
      {refused && (
        <span className="error-text" role="alert">
          {refused}
        </span>
      )}
    </form>
  );
}
