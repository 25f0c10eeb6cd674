/**
 * What the editor asks of the server for the open flow: open, save, validate, run, follow, export.
 * Views call these; the store holds the outcome.
 */
import { api } from '../api/client.ts';
import { followRun } from '../api/run-events.ts';
import { followRunResilient } from '../api/run-follow.ts';
import type { Flow, SavedFlow } from '../api/types.ts';
import { navigate } from '../app/router.ts';
import { layoutFlow } from '../flow/layout.ts';
import { editorStore } from '../store/editor.ts';
import { toast, toastError } from '../ui/toasts.tsx';

const pendingKey = 'backflow.pendingFlow';

/** Hands a new, unsaved document to the editor page (`/flows/new`). */
export function openUnsaved(flow: Flow): void {
  sessionStorage.setItem(pendingKey, JSON.stringify(flow));
  navigate('/flows/new');
}

export function pendingFlow(): Flow | undefined {
  const text = sessionStorage.getItem(pendingKey);
  return text ? (JSON.parse(text) as Flow) : undefined;
}

/** Nodes without a position (a hand-written file) are laid out; the others keep theirs. */
function placed(flow: Flow): Flow {
  if (flow.nodes.every((node) => node.position)) return flow;
  const positions = layoutFlow(flow);
  return {
    ...flow,
    nodes: flow.nodes.map((node) => (node.position ? node : { ...node, position: positions.get(node.id)! })),
  };
}

/** Whether leaving now would lose edits: a saved flow changed since, or a new one with nodes. */
export function hasUnsavedChanges(): boolean {
  const { flow, saved } = editorStore.getState();
  return saved ? flow !== saved.flow : flow.nodes.length > 0;
}

export function loadUnsaved(flow: Flow): void {
  stopFollowing();
  editorStore.getState().load(placed(flow));
}

/**
 * Opens a saved flow, following its active run if it has one, else showing the run the address names
 * (`/flows/:id?run=<runId>`, as the runs page links it).
 */
export async function loadSaved(id: string): Promise<SavedFlow> {
  stopFollowing();
  const shownRunId = new URLSearchParams(location.search).get('run');
  const [saved, shown] = await Promise.all([
    api.getFlow(id),
    shownRunId ? api.getRun(shownRunId).catch(() => undefined) : undefined,
  ]);
  const flow = placed(saved.document);
  editorStore.getState().load(flow, saved);
  if (saved.activeRunId) {
    editorStore.getState().startRun({ runId: saved.activeRunId, dryRun: false });
    follow(saved.activeRunId);
  } else if (shown) {
    editorStore.getState().showRun(shown);
  }
  return saved;
}

let validation: { timer: ReturnType<typeof setTimeout> | undefined; sent: Flow | undefined } = {
  timer: undefined,
  sent: undefined,
};

/** Asks the server what is wrong with the document, shortly after the last edit. */
export function validateSoon(delayMs = 350): void {
  clearTimeout(validation.timer);
  validation.timer = setTimeout(async () => {
    const flow = editorStore.getState().flow;
    if (flow === validation.sent) return;
    validation.sent = flow;
    try {
      const { issues } = await api.validate(flow);
      // An answer about an older document than the last one asked about is stale.
      if (validation.sent === flow) editorStore.getState().setIssues(flow, issues);
    } catch {
      validation.sent = undefined;
    }
  }, delayMs);
}

export function resetValidation(): void {
  clearTimeout(validation.timer);
  validation = { timer: undefined, sent: undefined };
}

/** The id of a flow the first save just created: the editor page moving to it keeps its document. */
let justCreated: string | undefined;

export function isJustCreated(id: string): boolean {
  const created = justCreated === id;
  justCreated = undefined;
  return created;
}

/**
 * Puts a saved version's document on the canvas as one undoable edit. Nothing changes on the server
 * until the next save, which makes it the newest version.
 */
export function restoreVersion(version: number, document: Flow): void {
  editorStore.getState().commit(placed(document));
  toast(`Restored version ${version}: save to make it the newest version`, { tone: 'success' });
}

/** Saves the document (a new version, or a new flow), as a draft so unfinished work is kept. */
export async function save(options: { quiet?: boolean } = {}): Promise<{ id: string; version: number } | undefined> {
  const { flow, saved } = editorStore.getState();
  if (saved && saved.flow === flow) return { id: saved.id, version: saved.version };
  try {
    const result = saved ? await api.saveFlow(saved.id, flow) : await api.createFlow(flow);
    editorStore.getState().markSaved(result, flow);
    if (!saved) {
      sessionStorage.removeItem(pendingKey);
      justCreated = result.id;
      navigate(`/flows/${encodeURIComponent(result.id)}`, { replace: true });
    }
    const issues = result.issues ?? [];
    if (issues.length > 0)
      toast(
        `Saved version ${result.version} as a draft: ${issues.length} issue${issues.length === 1 ? '' : 's'} left`,
        {
          details: issues.slice(0, 4).map((issue) => `${issue.path}: ${issue.message}`),
        },
      );
    else if (!options.quiet) toast(`Saved version ${result.version}`, { tone: 'success' });
    return result;
  } catch (error) {
    toastError('Could not save', error);
    return undefined;
  }
}

let stop: (() => void) | undefined;

export function stopFollowing(): void {
  stop?.();
  stop = undefined;
}

/**
 * Follows a run's events into the store until it ends; a stream that drops before the summary is
 * re-followed (the stored counts polled, the events reconnected with a backoff) until a final status.
 */
export function follow(runId: string): void {
  stopFollowing();
  const store = () => editorStore.getState();
  const shown = () => store().run?.runId === runId;
  stop = followRunResilient(
    runId,
    {
      onEvent: (event) => store().runEvent(event),
      onPoll: (view) => {
        if (shown()) store().showRun(view, { keepLogs: true });
      },
      onReconnecting: (attempt, delayMs) => store().setReconnecting(runId, { attempt, delayMs }),
      onReconnected: () => store().setReconnecting(runId, undefined),
      // The stored run has the error and final counts.
      onEnd: (view, error) => {
        if (view && shown()) store().showRun(view, { keepLogs: true });
        else if (shown()) store().setReconnecting(runId, undefined);
        if (error) toastError('Lost the live run events', error);
      },
    },
    {
      stream: followRun,
      getRun: api.getRun,
      setTimer: setTimeout,
      clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
    },
  );
}

/**
 * Runs (or dry-runs) the document on the canvas and follows it live; `fullResync` reads every
 * source whole and sends every record, whatever the last run sent. Nothing is saved and no
 * schedule changes: an unsaved version of a saved flow runs as a run of that flow, a new flow as
 * a run of its document (as `backflow run` does).
 */
export async function run(dryRun: boolean, fullResync = false): Promise<void> {
  const { flow, saved } = editorStore.getState();
  try {
    const { runId } = saved
      ? await api.startRun(saved.id, dryRun, flow === saved.flow ? undefined : flow, fullResync)
      : await api.runDocument(flow, dryRun, fullResync);
    editorStore.getState().startRun({ runId, dryRun });
    follow(runId);
  } catch (error) {
    toastError(dryRun ? 'Could not start the dry run' : 'Could not start the run', error);
  }
}

/** Asks the server to stop a run; false when it refused (the toast says why). */
export async function cancelRun(runId: string): Promise<boolean> {
  try {
    await api.cancelRun(runId);
    toast('Cancelling: the run stops at its next batch and can be resumed');
    return true;
  } catch (error) {
    toastError('Could not cancel', error);
    return false;
  }
}

export async function resumeRun(runId: string, dryRun: boolean): Promise<void> {
  try {
    await api.resumeRun(runId);
    editorStore.getState().startRun({ runId, dryRun });
    follow(runId);
  } catch (error) {
    toastError('Could not resume', error);
  }
}

/** Saves the text as a file in the person's downloads. */
export function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads the saved flow as the API exports it (connections by name, never secrets). */
export async function exportFlow(id: string, name: string): Promise<void> {
  try {
    download(`${name}.json`, await api.exportFlow(id));
  } catch (error) {
    toastError('Could not export', error);
  }
}
