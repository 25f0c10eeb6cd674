import { Suspense, useCallback, useEffect, useState } from 'react';
import { api, describeError } from '../api/client.ts';
import type { Flow, SavedFlow } from '../api/types.ts';
import { navigate } from '../app/router.ts';
import { ConnectionsDialog } from '../forms/lazy.tsx';
import { toast, toastError } from '../ui/toasts.tsx';
import { FlowsEmpty } from './FlowsEmpty.tsx';
import { FlowsError } from './FlowsError.tsx';
import { FlowsTable } from './FlowsTable.tsx';
import { freeName } from './free-name.ts';
import { ImportButton } from './ImportButton.tsx';
import { ImportConflict } from './ImportConflict.tsx';
import { NameDialog } from './NameDialog.tsx';
import { NewFlowDialog } from './NewFlowDialog.tsx';
import { Templates } from './Templates.tsx';

/** The home page: the saved flows, the templates, and the ways to make, import, rename and delete flows. */
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

  const close = () => setDialog(undefined);

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
            <ImportButton
              flows={flows}
              onConflict={(flow, existing) => setDialog({ kind: 'conflict', flow, existing })}
              onStale={refresh}
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

        {error && <FlowsError error={error} onSignedIn={refresh} />}
        {!flows && !error && <p className="muted">Loading…</p>}
        {flows && flows.length === 0 && <FlowsEmpty />}
        {flows && flows.length > 0 && (
          <FlowsTable flows={flows} onRename={(flow) => setDialog({ kind: 'rename', flow })} onDelete={remove} />
        )}

        <Templates templates={templates} onChoose={(flow) => setDialog({ kind: 'template', flow })} />
      </main>

      {dialog?.kind === 'new' && <NewFlowDialog flows={flows ?? []} onClose={close} />}
      {dialog?.kind === 'template' && <NewFlowDialog template={dialog.flow} flows={flows ?? []} onClose={close} />}
      {dialog?.kind === 'rename' && (
        <NameDialog
          title={`Rename ${dialog.flow.name}`}
          action="Rename"
          initial={dialog.flow.name}
          onClose={close}
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
          <ConnectionsDialog onClose={close} />
        </Suspense>
      )}
    </div>
  );
}
