import { describe, expect, it } from 'vitest';
import { backupFlow, testCatalog } from '../testing/catalog.ts';
import { createEditorStore, historyLimit } from './flow-store.ts';

function editor(start = backupFlow()) {
  let clock = 0;
  const store = createEditorStore({ catalog: testCatalog, now: () => clock });
  store.getState().load(start);
  return { store, state: () => store.getState(), tick: (ms: number) => (clock += ms) };
}

describe('editor store: undo and redo', () => {
  it('undoes and redoes every kind of edit, in order', () => {
    const { state } = editor({ ...backupFlow(), edges: [] });
    const start = state().flow;
    state().addNode('map', { x: 100, y: 200 });
    expect(state().connect({ source: 'orders', sourceHandle: 'records', target: 'map' })).toEqual({ ok: true });
    state().updateNode('map', { config: { select: ['order_id'] } });
    const edited = state().flow;
    expect(edited.nodes.map((n) => n.id)).toEqual(['orders', 'as-csv', 'archive', 'map']);
    expect(edited.edges).toEqual([{ from: 'orders', to: 'map' }]);

    state().undo();
    expect(state().flow.nodes.at(-1)!.config).toEqual({});
    state().undo();
    expect(state().flow.edges).toEqual([]);
    state().undo();
    expect(state().flow).toBe(start);
    state().undo(); // nothing left: a no-op
    expect(state().flow).toBe(start);

    state().redo();
    state().redo();
    state().redo();
    expect(state().flow).toBe(edited);
  });

  it('restores a deleted node together with its edges', () => {
    const { state } = editor();
    state().select(['as-csv']);
    state().deleteSelection();
    expect(state().flow.nodes.map((n) => n.id)).toEqual(['orders', 'archive']);
    expect(state().flow.edges).toEqual([]);
    expect(state().selectedNodes).toEqual([]);
    state().undo();
    expect(state().flow).toEqual(backupFlow());
  });

  it('forgets the redo branch once a new edit is made', () => {
    const { state } = editor();
    state().addNode('map', { x: 0, y: 0 });
    state().undo();
    expect(state().future).toHaveLength(1);
    state().addNode('csv.parse', { x: 0, y: 0 });
    expect(state().future).toHaveLength(0);
    state().redo();
    expect(state().flow.nodes.at(-1)!.type).toBe('csv.parse');
  });

  it('merges quick edits of one field into one step, but not slow ones', () => {
    const { state, tick } = editor();
    for (const dir of ['b', 'ba', 'bac']) {
      state().updateNode('archive', { config: { dir } }, 'archive.config');
      tick(300);
    }
    tick(2000);
    state().updateNode('archive', { config: { dir: 'back' } }, 'archive.config');
    state().undo();
    expect(state().flow.nodes[2]!.config).toEqual({ dir: 'bac' });
    state().undo();
    expect(state().flow.nodes[2]!.config).toEqual({ dir: 'backups/{flow}' });
  });

  it('makes a whole drag one step, and keeps drag frames out of the history', () => {
    const { state } = editor();
    for (const x of [10, 20, 30]) {
      state().applyNodeChanges([{ type: 'position', id: 'orders', position: { x, y: 5 }, dragging: true }]);
    }
    expect(state().past).toHaveLength(0);
    state().applyNodeChanges([{ type: 'position', id: 'orders', position: { x: 35, y: 5 }, dragging: false }]);
    expect(state().flow.nodes[0]!.position).toEqual({ x: 35, y: 5 });
    expect(state().past).toHaveLength(1);
    state().undo();
    expect(state().flow.nodes[0]!.position).toEqual({ x: 0, y: 0 });
  });

  it('keeps at most the history limit', () => {
    const { state } = editor();
    for (let i = 0; i < historyLimit + 20; i++) state().updateNode('orders', { title: `t${i}` });
    expect(state().past).toHaveLength(historyLimit);
  });

  it('refuses a wrong connection without touching the document or the history', () => {
    const { state } = editor();
    const before = state().flow;
    const check = state().connect({
      source: 'orders',
      sourceHandle: 'records',
      target: 'archive',
      targetHandle: 'files',
    });
    expect(check.ok).toBe(false);
    expect(state().flow).toBe(before);
    expect(state().past).toHaveLength(0);
  });
});

describe('editor store: issues', () => {
  it('shows a second source wired into a node on that node at once, and drops it on undo', () => {
    const { state } = editor();
    const id = state().addNode('duckdb.source', { x: 0, y: 200 });
    expect(state().issues.byNode['as-csv']).toBeUndefined();
    expect(state().connect({ source: id, sourceHandle: 'records', target: 'as-csv', targetHandle: 'records' }).ok).toBe(
      true,
    );
    expect(state().issues.byNode['as-csv']).toEqual([
      {
        code: 'several_sources',
        path: 'nodes[1]',
        message: `node "as-csv" is fed by several sources (orders, ${id}); split them into separate flows`,
        nodeId: 'as-csv',
        field: '',
      },
    ]);
    state().undo();
    expect(state().issues.byNode['as-csv']).toBeUndefined();
  });

  it('keeps the issues object through a drag, which changes no edge, node id or type', () => {
    const { state } = editor();
    state().commit({ ...state().flow, edges: [] });
    const before = state().issues;
    expect(before.byNode['as-csv']).toHaveLength(1);
    state().applyNodeChanges([{ type: 'position', id: 'orders', position: { x: 5, y: 5 }, dragging: true }]);
    expect(state().flow.nodes[0]!.position).toEqual({ x: 5, y: 5 });
    expect(state().issues).toBe(before);
  });
});

describe('editor store: selection, copy and paste', () => {
  it('selects through React Flow changes and deletes nodes and edges in one step', () => {
    const { state } = editor();
    state().applyNodeChanges([{ type: 'select', id: 'orders', selected: true }]);
    state().applyEdgeChanges([{ type: 'select', id: 'as-csv->archive', selected: true }]);
    expect(state().selectedNodes).toEqual(['orders']);
    expect(state().selectedEdges).toEqual(['as-csv->archive']);
    state().deleteSelection();
    expect(state().flow.nodes.map((n) => n.id)).toEqual(['as-csv', 'archive']);
    expect(state().flow.edges).toEqual([]);
    expect(state().past).toHaveLength(1);
  });

  it('pastes copies further along each time and selects them', () => {
    const { state } = editor();
    state().select(['orders', 'as-csv']);
    state().copySelection();
    state().paste();
    expect(state().selectedNodes).toEqual(['orders-2', 'as-csv-2']);
    expect(state().flow.nodes.find((n) => n.id === 'orders-2')!.position).toEqual({ x: 40, y: 40 });
    state().paste();
    expect(state().flow.nodes.find((n) => n.id === 'orders-3')!.position).toEqual({ x: 80, y: 80 });
    expect(state().flow.edges.slice(2)).toEqual([
      { from: 'orders-2', to: 'as-csv-2' },
      { from: 'orders-3', to: 'as-csv-3' },
    ]);
    state().undo();
    state().undo();
    expect(state().flow).toEqual(backupFlow());
  });

  it('renames a node and keeps it selected under its new id', () => {
    const { state } = editor();
    state().select(['as-csv']);
    state().renameNode('as-csv', 'csv');
    expect(state().selectedNodes).toEqual(['csv']);
    expect(state().flow.edges).toEqual([
      { from: 'orders', to: 'csv' },
      { from: 'csv', to: 'archive' },
    ]);
  });

  it('lays the flow out left to right as one undoable step', () => {
    const { state } = editor({
      ...backupFlow(),
      nodes: backupFlow().nodes.map((node) => ({ ...node, position: { x: 0, y: 0 } })),
    });
    state().autoLayout();
    const [orders, csv, archive] = state().flow.nodes.map((n) => n.position!.x);
    expect(orders).toBeLessThan(csv!);
    expect(csv).toBeLessThan(archive!);
    state().undo();
    expect(state().flow.nodes.every((n) => n.position!.x === 0)).toBe(true);
  });
});

describe('editor store: saved state and runs', () => {
  it('is dirty after an edit and clean again once undone to the saved document', () => {
    const { state } = editor();
    state().markSaved(
      { id: 'fl_1', name: 'x', version: 3, document: state().flow, createdAt: '', updatedAt: '' },
      state().flow,
    );
    expect(state().flow === state().saved!.flow).toBe(true);
    state().addNode('map', { x: 0, y: 0 });
    expect(state().flow === state().saved!.flow).toBe(false);
    state().undo();
    expect(state().flow === state().saved!.flow).toBe(true);
  });

  it('follows a run through its events and ignores another run', () => {
    const { state } = editor();
    state().startRun({ runId: 'r1', dryRun: false });
    state().runEvent({ type: 'status', runId: 'r1', status: 'running', at: '' });
    state().runEvent({
      type: 'stats',
      runId: 'r1',
      at: '',
      nodes: { orders: { read: 10, written: 10, rejected: 0, filtered: 0 } },
      edges: [{ from: 'orders:records', to: 'as-csv:records', records: 10, files: 0 }],
    });
    state().runEvent({ type: 'status', runId: 'other', status: 'failed', at: '' });
    state().runEvent({ type: 'log', runId: 'r1', at: 't', level: 'info', message: 'run succeeded' });
    expect(state().run).toMatchObject({
      status: 'running',
      logs: [{ at: 't', level: 'info', message: 'run succeeded' }],
    });
    expect(state().run!.edges[0]!.records).toBe(10);
  });

  it('marks a run as reconnecting, and only the run it is about', () => {
    const { state } = editor();
    state().startRun({ runId: 'r1', dryRun: false });
    state().setReconnecting('other', { attempt: 1, delayMs: 1000 });
    expect(state().run!.reconnecting).toBeUndefined();
    state().setReconnecting('r1', { attempt: 2, delayMs: 2000 });
    state().runEvent({ type: 'status', runId: 'r1', status: 'running', at: '' });
    expect(state().run).toMatchObject({ status: 'running', reconnecting: { attempt: 2, delayMs: 2000 } });
    state().setReconnecting('r1', undefined);
    expect('reconnecting' in state().run!).toBe(false);
  });

  it('restores another document as one undoable step', () => {
    const { state } = editor();
    const current = state().flow;
    const older = { ...current, nodes: current.nodes.slice(0, 1), edges: [] };
    state().commit(older);
    expect(state().flow).toBe(older);
    state().undo();
    expect(state().flow).toBe(current);
    state().redo();
    expect(state().flow).toBe(older);
  });
});
