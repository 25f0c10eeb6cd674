import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { Suspense, useEffect, useMemo, useState } from 'react';
import { describeError } from '../api/client.ts';
import { navigate, setLeaveGuard } from '../app/router.ts';
import { ConnectionsDialog } from '../forms/lazy.tsx';
import { RunPanel } from '../runs/RunPanel.tsx';
import { renameFlowProblem } from '../schedule/FlowSettings.tsx';
import { editorStore, useEditor } from '../store/editor.ts';
import { BrandLink } from '../ui/BrandLink.tsx';
import { toast } from '../ui/toasts.tsx';
import { Canvas } from './Canvas.tsx';
import { useEditorUi } from './editor-ui.ts';
import { HelpDialog } from './HelpDialog.tsx';
import { Inspector } from './Inspector.tsx';
import { IssuesMenu } from './IssuesMenu.tsx';
import { LeaveDialog } from './LeaveDialog.tsx';
import { Palette } from './Palette.tsx';
import { PreviewDialog } from './PreviewDialog.tsx';
import { SecondaryActions } from './SecondaryActions.tsx';
import {
  exportFlow,
  hasUnsavedChanges,
  isJustCreated,
  loadSaved,
  loadUnsaved,
  pendingFlow,
  resetValidation,
  run,
  save,
  validateSoon,
} from './session.ts';
import { useShortcuts } from './shortcuts.ts';
import { VersionsDialog } from './VersionsDialog.tsx';

function FlowName() {
  const name = useEditor((state) => state.flow.name);
  const [text, setText] = useState<string>();
  const problem = text === undefined ? undefined : renameFlowProblem(text);
  const apply = () => {
    if (text !== undefined && problem) {
      toast(`Not renamed to “${text}”: ${problem}`, { tone: 'error' });
    } else if (text !== undefined && text !== name) {
      const flow = editorStore.getState().flow;
      editorStore.getState().commit({ ...flow, name: text });
    }
    setText(undefined);
  };
  return (
    <span className="flow-name">
      <input
        value={text ?? name}
        aria-label="Flow name"
        data-testid="flow-name"
        aria-invalid={Boolean(problem)}
        title={problem ?? 'Rename the flow (saved with the next save)'}
        size={Math.max(8, (text ?? name).length)}
        onChange={(event) => setText(event.target.value)}
        onBlur={apply}
        onKeyDown={(event) => {
          if (event.key === 'Enter') (event.target as HTMLInputElement).blur();
          if (event.key === 'Escape') setText(undefined);
        }}
      />
    </span>
  );
}

/** How many issues the server found in the document on the canvas. */
function useIssueCount(): number {
  return useEditor(
    (state) =>
      state.issues.flow.length + Object.values(state.issues.byNode).reduce((sum, list) => sum + list.length, 0),
  );
}

function SaveState() {
  const dirty = useEditor((state) => state.flow !== state.saved?.flow);
  const saved = useEditor((state) => state.saved);
  return (
    <span className="save-state" data-testid="save-state">
      {!saved ? 'Not saved yet' : dirty ? 'Unsaved changes' : `Saved · version ${saved.version}`}
      <IssuesMenu />
    </span>
  );
}

function TopBar() {
  const { fitView } = useReactFlow();
  const canUndo = useEditor((state) => state.past.length > 0);
  const canRedo = useEditor((state) => state.future.length > 0);
  const saved = useEditor((state) => state.saved);
  const dirty = useEditor((state) => state.flow !== state.saved?.flow);
  const running = useEditor((state) => state.run?.status === 'running' || state.run?.status === 'queued');
  const empty = useEditor((state) => state.flow.nodes.length === 0);
  const issueCount = useIssueCount();
  const [busy, setBusy] = useState(false);
  const runBlocked = busy || running || empty || issueCount > 0;
  const runTitle =
    issueCount > 0
      ? `Fix the ${issueCount} issue${issueCount === 1 ? '' : 's'} first (listed beside the save state)`
      : 'Runs what is on the canvas; nothing is saved';
  const act = (work: () => Promise<unknown>) => async () => {
    setBusy(true);
    try {
      await work();
    } finally {
      setBusy(false);
    }
  };
  return (
    <header className="topbar">
      <BrandLink />
      <span className="crumb-sep">/</span>
      <FlowName />
      <SaveState />
      <div className="toolbar">
        <button
          type="button"
          className="icon-button"
          title="Undo (Ctrl+Z)"
          aria-label="Undo"
          disabled={!canUndo}
          onClick={() => editorStore.getState().undo()}
        >
          ↶
        </button>
        <button
          type="button"
          className="icon-button"
          title="Redo (Ctrl+Shift+Z)"
          aria-label="Redo"
          disabled={!canRedo}
          onClick={() => editorStore.getState().redo()}
        >
          ↷
        </button>
        <button
          type="button"
          className="button ghost"
          title="Lay the flow out left to right (L)"
          disabled={empty}
          onClick={() => {
            editorStore.getState().autoLayout();
            setTimeout(() => fitView({ padding: 0.2, duration: 200 }), 50);
          }}
        >
          Auto-layout
        </button>
        <button
          type="button"
          className="button ghost"
          title="Fit the flow in view (F)"
          onClick={() => fitView({ padding: 0.2, duration: 200 })}
        >
          Fit
        </button>
      </div>
      <div className="toolbar right">
        <SecondaryActions
          actions={[
            { label: 'Connections', onClick: () => useEditorUi.setState({ connections: '' }) },
            {
              label: '?',
              menuLabel: 'Keyboard shortcuts',
              title: 'Keyboard shortcuts (?)',
              onClick: () => useEditorUi.setState({ help: true }),
            },
            {
              label: 'Versions',
              title: 'The saved versions of this flow; restore one onto the canvas',
              testId: 'versions',
              onClick: () => useEditorUi.setState({ versions: true }),
            },
            {
              label: 'Full resync',
              menuLabel: 'Run with full resync',
              disabled: runBlocked,
              title:
                'Run reading every source whole and sending every record, whatever the last run sent (incremental cursors and diffing ignored this once)',
              testId: 'run-full-resync',
              onClick: act(async () => {
                useEditorUi.setState({ runPanel: true, runTab: 'overview' });
                await run(false, true);
              }),
            },
            {
              label: 'Export',
              disabled: !saved,
              title: saved
                ? 'Download the saved flow as JSON (connections by name, never secrets)'
                : 'Save the flow first',
              onClick: () => saved && exportFlow(saved.id, editorStore.getState().saved!.flow.name),
            },
          ]}
        />
        <button
          type="button"
          className="button"
          disabled={busy || (!dirty && Boolean(saved))}
          onClick={act(() => save())}
          data-testid="save"
        >
          Save
        </button>
        <button
          type="button"
          className="button"
          disabled={runBlocked}
          onClick={act(async () => {
            useEditorUi.setState({ runPanel: true, runTab: 'overview' });
            await run(true);
          })}
          title={issueCount > 0 ? runTitle : 'Run what is on the canvas without writing anything'}
        >
          Dry run
        </button>
        <button
          type="button"
          className="button primary"
          disabled={runBlocked}
          onClick={act(async () => {
            useEditorUi.setState({ runPanel: true, runTab: 'overview' });
            await run(false);
          })}
          title={runTitle}
          data-testid="run"
        >
          {running ? 'Running…' : 'Run'}
        </button>
      </div>
    </header>
  );
}

function Dialogs() {
  const help = useEditorUi((state) => state.help);
  const connections = useEditorUi((state) => state.connections);
  const preview = useEditorUi((state) => state.preview);
  const versions = useEditorUi((state) => state.versions);
  const leaving = useEditorUi((state) => state.leaving);
  return (
    <Suspense fallback={null}>
      {leaving !== undefined && <LeaveDialog to={leaving} />}
      {help && <HelpDialog />}
      {connections !== undefined && (
        <ConnectionsDialog
          onClose={() => useEditorUi.setState({ connections: undefined })}
          {...(connections ? { initialType: connections } : {})}
        />
      )}
      {preview && <PreviewDialog nodeId={preview} />}
      {versions && <VersionsDialog />}
    </Suspense>
  );
}

function Workspace() {
  const { fitView } = useReactFlow();
  const runPanel = useEditorUi((state) => state.runPanel);
  const hasRun = useEditor((state) => Boolean(state.run));
  const actions = useMemo(
    () => ({ save: () => void save(), fitView: () => void fitView({ padding: 0.2, duration: 200 }) }),
    [fitView],
  );
  useShortcuts(actions);
  // A run started or shown opens the panel.
  useEffect(() => {
    if (hasRun) useEditorUi.setState({ runPanel: true });
  }, [hasRun]);
  return (
    <div className="editor">
      <TopBar />
      <div className="editor-main">
        <Palette />
        <div className="editor-center">
          <Canvas />
          {runPanel ? (
            <RunPanel />
          ) : (
            <button type="button" className="run-panel-tab" onClick={() => useEditorUi.setState({ runPanel: true })}>
              Runs
            </button>
          )}
        </div>
        <Inspector />
      </div>
      <Dialogs />
    </div>
  );
}

/** The editor of one flow: `/flows/:id`, or `/flows/new` for a document not saved yet. */
export function EditorPage({ flowId }: { flowId: string }) {
  const [state, setState] = useState<{ loading: boolean; error?: { message: string; details: string[] } }>({
    loading: true,
  });

  useEffect(() => {
    // Saving a new flow moves the page to its id: the document is already loaded.
    if (isJustCreated(flowId)) {
      setState({ loading: false });
      return;
    }
    let cancelled = false;
    resetValidation();
    useEditorUi.setState({
      runPanel: false,
      preview: undefined,
      versions: false,
      runTab: 'overview',
      leaving: undefined,
    });
    setState({ loading: true });
    (async () => {
      if (flowId === 'new') {
        const flow = pendingFlow();
        if (!flow) {
          navigate('/', { replace: true });
          return;
        }
        loadUnsaved(flow);
      } else {
        await loadSaved(flowId);
      }
      if (!cancelled) setState({ loading: false });
    })().catch((error) => {
      if (!cancelled) setState({ loading: false, error: describeError(error) });
    });
    return () => {
      cancelled = true;
    };
  }, [flowId]);

  // Every edit is checked by the server shortly after it is made.
  useEffect(() => {
    if (state.loading) return;
    validateSoon(0);
    return editorStore.subscribe((now, before) => {
      if (now.flow !== before.flow) validateSoon();
    });
  }, [state.loading]);

  // Leaving with unsaved changes asks first: closing the tab (the browser asks) or any in-app move.
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      if (hasUnsavedChanges()) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    setLeaveGuard((to) => {
      if (!hasUnsavedChanges()) return true;
      useEditorUi.setState({ leaving: to });
      return false;
    });
    return () => {
      window.removeEventListener('beforeunload', warn);
      setLeaveGuard(undefined);
    };
  }, []);

  if (state.error)
    return (
      <div className="page-message">
        <h2>Could not open this flow</h2>
        <p>{state.error.message}</p>
        {state.error.details.map((detail) => (
          <p key={detail} className="muted">
            {detail}
          </p>
        ))}
        <button type="button" className="button" onClick={() => navigate('/')}>
          Back to the flows
        </button>
      </div>
    );
  if (state.loading) return <div className="page-message muted">Opening the flow…</div>;
  return (
    <ReactFlowProvider>
      <Workspace />
    </ReactFlowProvider>
  );
}
