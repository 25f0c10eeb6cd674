/**
 * The editor's one store: the flow document with its undo history, the selection, and what the
 * server said about the document (issues, the live run). React Flow's nodes and edges are drawn
 * from the document (see flow/to-react-flow.ts); no view keeps a copy of it.
 */
import type { EdgeChange, NodeChange } from '@xyflow/react';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Catalog, Flow, Issue, LogLine, RunEvent, RunView, SavedFlow } from '../api/types.ts';
import { type ConnectionCheck, checkConnection, type ProposedConnection } from '../flow/connect.ts';
import {
  addNode,
  type Clip,
  connect,
  copyNodes,
  edgeIds,
  moveNodes,
  pasteClip,
  removeElements,
  renameNode,
  updateNode,
} from '../flow/edit.ts';
import { editorIssues, type PlacedIssues, type ServerIssues, sameGraph } from '../flow/issues.ts';
import { layoutFlow, type Size } from '../flow/layout.ts';

/** How many edits undo can go back. */
export const historyLimit = 200;
/** Edits with the same key this close together (typing in one field) undo as one. */
export const coalesceMs = 1000;

/** A run followed live: its status and counts as the event stream reports them. */
export interface LiveRun {
  runId: string;
  dryRun: boolean;
  status: RunView['status'];
  nodes: RunView['nodes'];
  edges: RunView['edges'];
  logs: LogLine[];
  error?: RunView['error'];
  startedAt: string;
  finishedAt?: string;
  /** The live event stream dropped before the run ended: the reconnect attempt under way. */
  reconnecting?: { attempt: number; delayMs: number };
}

export interface EditorState {
  catalog: Catalog;
  flow: Flow;
  past: Flow[];
  future: Flow[];
  /** The last edit that may absorb the next one with the same key. */
  lastEdit: { key: string; at: number } | undefined;
  /** The document as it was when a drag began; the whole drag undoes as one step. */
  dragOrigin: Flow | undefined;
  selectedNodes: string[];
  selectedEdges: string[];
  clipboard: Clip | undefined;
  pastes: number;
  /** Drawn sizes of nodes, for layout and the minimap. */
  sizes: Record<string, Size>;

  /** The server's copy: its id, version and the document last saved (dirty = flow !== saved). */
  saved: { id: string; version: number; flow: Flow; nextRuns: string[] } | undefined;
  /** The issues shown on the nodes and in the top bar: the graph rules' on `flow`, and the server's. */
  issues: PlacedIssues;
  /** What the server last found in a document it validated. */
  serverIssues: ServerIssues | undefined;
  run: LiveRun | undefined;
}

export interface EditorActions {
  setCatalog(catalog: Catalog): void;
  /** Opens a document: a saved flow, or a new one not saved yet. History starts afresh. */
  load(flow: Flow, saved?: SavedFlow): void;
  markSaved(saved: SavedFlow, sent: Flow): void;
  /** Replaces the document as one undoable step; `key` merges quick successive edits of one field. */
  commit(next: Flow, key?: string): void;
  undo(): void;
  redo(): void;

  addNode(type: string, position: { x: number; y: number }): string;
  checkConnection(connection: ProposedConnection): ConnectionCheck;
  connect(connection: ProposedConnection): ConnectionCheck;
  deleteSelection(): void;
  copySelection(): Clip | undefined;
  paste(clip?: Clip): void;
  selectAll(): void;
  select(nodes: string[], edges?: string[]): void;
  updateNode(id: string, patch: Parameters<typeof updateNode>[2], key?: string): void;
  renameNode(id: string, newId: string): void;
  autoLayout(): void;
  applyNodeChanges(changes: NodeChange[]): void;
  applyEdgeChanges(changes: EdgeChange[]): void;

  setIssues(validated: Flow, issues: Issue[]): void;
  startRun(run: { runId: string; dryRun: boolean }): void;
  runEvent(event: RunEvent): void;
  /** Shows a stored run's outcome (from the history, or at the end of a followed run). */
  showRun(run: RunView | undefined, options?: { keepLogs?: boolean }): void;
  /** Marks the followed run as reconnecting to its events (undefined: events flow again). */
  setReconnecting(runId: string, reconnecting: LiveRun['reconnecting']): void;
}

export type EditorStore = StoreApi<EditorState & EditorActions>;

export function emptyFlow(name: string): Flow {
  return { name, nodes: [], edges: [] };
}

export function createEditorStore(options: { catalog?: Catalog; now?: () => number } = {}): EditorStore {
  const now = options.now ?? Date.now;
  return createStore<EditorState & EditorActions>()((setState, get) => {
    /**
     * Every change goes through here: when it touches the graph, the catalog or the server's issues,
     * the issues shown are drawn again in the same update.
     */
    const set = (change: Partial<EditorState>) => {
      const before = get();
      const after = { ...before, ...change };
      const redraw =
        after.catalog !== before.catalog ||
        after.serverIssues !== before.serverIssues ||
        !sameGraph(after.flow, before.flow);
      setState(redraw ? { ...change, issues: editorIssues(after.flow, after.catalog, after.serverIssues) } : change);
    };

    /** Keeps the selection to what still exists. */
    const reselect = (flow: Flow) => {
      const nodes = new Set(flow.nodes.map((node) => node.id));
      const edges = new Set(edgeIds(flow));
      const { selectedNodes, selectedEdges } = get();
      return {
        selectedNodes: selectedNodes.filter((id) => nodes.has(id)),
        selectedEdges: selectedEdges.filter((id) => edges.has(id)),
      };
    };

    const commit = (next: Flow, key?: string) => {
      const { flow, past, lastEdit } = get();
      if (next === flow) return;
      const at = now();
      const merge = key !== undefined && lastEdit?.key === key && at - lastEdit.at < coalesceMs;
      set({
        flow: next,
        past: merge ? past : [...past, flow].slice(-historyLimit),
        future: [],
        lastEdit: key === undefined ? undefined : { key, at },
        ...reselect(next),
      });
    };

    return {
      catalog: options.catalog ?? {},
      flow: emptyFlow('new-flow'),
      past: [],
      future: [],
      lastEdit: undefined,
      dragOrigin: undefined,
      selectedNodes: [],
      selectedEdges: [],
      clipboard: undefined,
      pastes: 0,
      sizes: {},
      saved: undefined,
      issues: editorIssues(emptyFlow('new-flow'), options.catalog ?? {}, undefined),
      serverIssues: undefined,
      run: undefined,

      setCatalog: (catalog) => set({ catalog }),

      load: (flow, saved) =>
        set({
          flow,
          past: [],
          future: [],
          lastEdit: undefined,
          dragOrigin: undefined,
          selectedNodes: [],
          selectedEdges: [],
          pastes: 0,
          sizes: {},
          saved: saved ? { id: saved.id, version: saved.version, flow, nextRuns: saved.nextRuns ?? [] } : undefined,
          serverIssues: undefined,
          run: undefined,
        }),

      markSaved: (saved, sent) => {
        set({ saved: { id: saved.id, version: saved.version, flow: sent, nextRuns: saved.nextRuns ?? [] } });
        if (saved.issues) get().setIssues(sent, saved.issues);
      },

      commit,

      undo: () => {
        const { past, future, flow } = get();
        const previous = past.at(-1);
        if (!previous) return;
        set({
          flow: previous,
          past: past.slice(0, -1),
          future: [flow, ...future],
          lastEdit: undefined,
          ...reselect(previous),
        });
      },

      redo: () => {
        const { past, future, flow } = get();
        const next = future[0];
        if (!next) return;
        set({ flow: next, past: [...past, flow], future: future.slice(1), lastEdit: undefined, ...reselect(next) });
      },

      addNode: (type, position) => {
        const added = addNode(get().flow, type, position);
        commit(added.flow);
        set({ selectedNodes: [added.id], selectedEdges: [] });
        return added.id;
      },

      checkConnection: (connection) => checkConnection(get().flow, get().catalog, connection),

      connect: (connection) => {
        const { flow, catalog } = get();
        const check = checkConnection(flow, catalog, connection);
        if (check.ok) commit(connect(flow, catalog, connection));
        return check;
      },

      deleteSelection: () => {
        const { flow, selectedNodes, selectedEdges } = get();
        commit(removeElements(flow, selectedNodes, selectedEdges));
      },

      copySelection: () => {
        const { flow, selectedNodes } = get();
        if (selectedNodes.length === 0) return undefined;
        const clip = copyNodes(flow, selectedNodes);
        set({ clipboard: clip, pastes: 0 });
        return clip;
      },

      paste: (clip) => {
        const chosen = clip ?? get().clipboard;
        if (!chosen || chosen.nodes.length === 0) return;
        const pastes = get().pastes + 1;
        const pasted = pasteClip(get().flow, chosen, { x: 40 * pastes, y: 40 * pastes });
        commit(pasted.flow);
        set({ pastes, selectedNodes: pasted.ids, selectedEdges: [] });
      },

      selectAll: () => set({ selectedNodes: get().flow.nodes.map((node) => node.id), selectedEdges: [] }),

      select: (nodes, edges = []) => set({ selectedNodes: nodes, selectedEdges: edges }),

      updateNode: (id, patch, key) => commit(updateNode(get().flow, id, patch), key),

      renameNode: (id, newId) => {
        set({ selectedNodes: get().selectedNodes.map((selected) => (selected === id ? newId : selected)) });
        commit(renameNode(get().flow, id, newId));
      },

      autoLayout: () => {
        const { flow, sizes } = get();
        commit(
          moveNodes(
            flow,
            layoutFlow(flow, (id) => sizes[id]),
          ),
        );
      },

      applyNodeChanges: (changes) => {
        const positions = new Map<string, { x: number; y: number }>();
        let dragging = false;
        let dragEnded = false;
        let selection: Set<string> | undefined;
        let sizes: Record<string, Size> | undefined;
        for (const change of changes) {
          if (change.type === 'position') {
            if (change.position) positions.set(change.id, change.position);
            if (change.dragging) dragging = true;
            else dragEnded = true;
          } else if (change.type === 'select') {
            selection ??= new Set(get().selectedNodes);
            if (change.selected) selection.add(change.id);
            else selection.delete(change.id);
          } else if (change.type === 'dimensions' && change.dimensions) {
            sizes ??= { ...get().sizes };
            sizes[change.id] = { width: change.dimensions.width, height: change.dimensions.height };
          }
        }
        if (selection) set({ selectedNodes: [...selection] });
        if (sizes) set({ sizes });
        if (positions.size === 0 && !dragEnded) return;
        const { flow, dragOrigin } = get();
        const moved = moveNodes(flow, positions);
        if (dragging) {
          // Moves during a drag do not enter the history; the drop does, as one step.
          set({ flow: moved, dragOrigin: dragOrigin ?? flow });
        } else if (dragOrigin) {
          const { past } = get();
          set({
            flow: moved,
            dragOrigin: undefined,
            lastEdit: undefined,
            ...(moved === dragOrigin ? {} : { past: [...past, dragOrigin].slice(-historyLimit), future: [] }),
          });
        } else {
          commit(moved, 'move');
        }
      },

      applyEdgeChanges: (changes) => {
        let selection: Set<string> | undefined;
        for (const change of changes) {
          if (change.type !== 'select') continue;
          selection ??= new Set(get().selectedEdges);
          if (change.selected) selection.add(change.id);
          else selection.delete(change.id);
        }
        if (selection) set({ selectedEdges: [...selection] });
      },

      setIssues: (validated, issues) => set({ serverIssues: { validated, issues } }),

      startRun: ({ runId, dryRun }) =>
        set({
          run: {
            runId,
            dryRun,
            status: 'queued',
            nodes: {},
            edges: [],
            logs: [],
            startedAt: new Date(now()).toISOString(),
          },
        }),

      runEvent: (event) => {
        const run = get().run;
        if (!run || run.runId !== event.runId) return;
        if (event.type === 'status') set({ run: { ...run, status: event.status } });
        else if (event.type === 'stats') set({ run: { ...run, nodes: event.nodes, edges: event.edges } });
        else if (event.type === 'log') {
          const { type: _type, runId: _runId, ...line } = event;
          set({ run: { ...run, logs: [...run.logs, line].slice(-1000) } });
        } else {
          const { summary } = event;
          set({
            run: {
              ...run,
              status: summary.status,
              nodes: summary.nodes,
              edges: summary.edges,
              ...(summary.error ? { error: summary.error } : {}),
              ...(summary.finishedAt ? { finishedAt: summary.finishedAt } : {}),
            },
          });
        }
      },

      showRun: (view, options = {}) =>
        set({
          run: view && {
            runId: view.runId,
            dryRun: view.dryRun,
            status: view.status,
            nodes: view.nodes,
            edges: view.edges,
            logs: options.keepLogs && get().run?.runId === view.runId ? get().run!.logs : [],
            startedAt: view.startedAt,
            ...(view.finishedAt ? { finishedAt: view.finishedAt } : {}),
            ...(view.error ? { error: view.error } : {}),
          },
        }),

      setReconnecting: (runId, reconnecting) => {
        const run = get().run;
        if (!run || run.runId !== runId) return;
        const { reconnecting: _was, ...rest } = run;
        set({ run: reconnecting ? { ...rest, reconnecting } : rest });
      },
    };
  });
}
