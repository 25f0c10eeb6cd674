import { describe, expect, it } from 'vitest';
import { backupFlow, testCatalog } from '../testing/catalog.ts';
import {
  addNode,
  connect,
  copyNodes,
  edgeIds,
  moveNodes,
  pasteClip,
  removeElements,
  renameNode,
  sameValue,
  stripDefaults,
  uniqueNodeId,
  updateNode,
} from './edit.ts';

describe('flow edits', () => {
  it('names new nodes after their type and never reuses an id', () => {
    const flow = backupFlow();
    expect(uniqueNodeId(flow, 'duckdb.source')).toBe('duckdb-source');
    const first = addNode(flow, 'csv.format', { x: 10.4, y: 20.6 });
    expect(first.id).toBe('csv-format');
    expect(first.flow.nodes.at(-1)).toEqual({
      id: 'csv-format',
      type: 'csv.format',
      config: {},
      position: { x: 10, y: 21 },
    });
    expect(addNode(first.flow, 'csv.format', { x: 0, y: 0 }).id).toBe('csv-format-2');
    expect(uniqueNodeId(flow, 'orders')).toBe('orders-2');
  });

  it('removes a node with every edge that touches it, and leaves the input untouched', () => {
    const flow = backupFlow();
    const removed = removeElements(flow, ['as-csv']);
    expect(removed.nodes.map((n) => n.id)).toEqual(['orders', 'archive']);
    expect(removed.edges).toEqual([]);
    expect(flow.edges).toHaveLength(2);
  });

  it('removes an edge by its id', () => {
    const flow = backupFlow();
    expect(edgeIds(flow)).toEqual(['orders->as-csv', 'as-csv->archive']);
    expect(removeElements(flow, [], ['as-csv->archive']).edges).toEqual([{ from: 'orders', to: 'as-csv' }]);
  });

  it('writes a port only when it is not the node first port', () => {
    const flow = { ...backupFlow(), edges: [] };
    const a = connect(flow, testCatalog, {
      source: 'orders',
      sourceHandle: 'records',
      target: 'as-csv',
      targetHandle: 'records',
    });
    expect(a.edges).toEqual([{ from: 'orders', to: 'as-csv' }]);
    const b = connect(a, testCatalog, { source: 'as-csv', sourceHandle: 'rejected', target: 'as-csv' });
    expect(b.edges[1]).toEqual({ from: 'as-csv:rejected', to: 'as-csv' });
  });

  it('renames a node and the edge ends that name it, ports kept', () => {
    const flow = {
      ...backupFlow(),
      edges: [
        { from: 'orders', to: 'as-csv' },
        { from: 'as-csv:rejected', to: 'archive' },
      ],
    };
    const renamed = renameNode(flow, 'as-csv', 'csv');
    expect(renamed.nodes[1]!.id).toBe('csv');
    expect(renamed.edges).toEqual([
      { from: 'orders', to: 'csv' },
      { from: 'csv:rejected', to: 'archive' },
    ]);
  });

  it('moves nodes to rounded positions, and keeps the document when nothing moved', () => {
    const flow = backupFlow();
    const moved = moveNodes(flow, new Map([['orders', { x: 10.6, y: -3.2 }]]));
    expect(moved.nodes[0]!.position).toEqual({ x: 11, y: -3 });
    expect(moved.nodes[1]).toBe(flow.nodes[1]);
    expect(moveNodes(flow, new Map([['orders', { x: 0.2, y: 0 }]]))).toBe(flow);
    expect(moveNodes(flow, new Map())).toBe(flow);
  });

  it('keeps the document when an update changes nothing, key order aside', () => {
    const flow = backupFlow();
    expect(updateNode(flow, 'as-csv', { config: { rowsPerFile: 500000 } })).toBe(flow);
    const reordered = updateNode(flow, 'orders', { config: { table: 'orders', path: 'demo/warehouse.duckdb' } });
    expect(reordered).toBe(flow);
    expect(updateNode(flow, 'orders', { connection: undefined })).toBe(flow);
    expect(updateNode(flow, 'missing', { title: 'x' })).toBe(flow);
    expect(sameValue({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toBe(true);
    expect(sameValue([1, 2], { 0: 1, 1: 2 })).toBe(false);
  });

  it('drops a field set to undefined', () => {
    const flow = updateNode(backupFlow(), 'orders', { connection: 'warehouse' });
    expect(flow.nodes[0]!.connection).toBe('warehouse');
    expect('connection' in updateNode(flow, 'orders', { connection: undefined }).nodes[0]!).toBe(false);
  });

  it('copies nodes with the edges between them only, and pastes them under fresh ids', () => {
    const flow = backupFlow();
    const clip = copyNodes(flow, ['orders', 'as-csv']);
    expect(clip.edges).toEqual([{ from: 'orders', to: 'as-csv' }]);
    const pasted = pasteClip(flow, clip, { x: 40, y: 40 });
    expect(pasted.ids).toEqual(['orders-2', 'as-csv-2']);
    expect(pasted.flow.nodes.at(-2)).toEqual({
      id: 'orders-2',
      type: 'duckdb.source',
      config: { path: 'demo/warehouse.duckdb', table: 'orders' },
      position: { x: 40, y: 40 },
    });
    expect(pasted.flow.edges.at(-1)).toEqual({ from: 'orders-2', to: 'as-csv-2' });
    // The copy owns its config: editing it does not touch the original.
    (pasted.flow.nodes.at(-2)!.config as Record<string, unknown>).table = 'other';
    expect(flow.nodes[0]!.config!.table).toBe('orders');
  });

  it('keeps ports when pasting edges between copies', () => {
    const flow = { ...backupFlow(), edges: [{ from: 'as-csv:rejected', to: 'archive' }] };
    const pasted = pasteClip(flow, copyNodes(flow, ['as-csv', 'archive']), { x: 0, y: 100 });
    expect(pasted.flow.edges.at(-1)).toEqual({ from: 'as-csv-2:rejected', to: 'archive-2' });
  });

  it('leaves out defaults a form filled in, but keeps what the node had', () => {
    const schema = { properties: { header: { default: true }, gzip: { default: false }, rowsPerFile: {} } };
    expect(stripDefaults({ header: true, gzip: false, rowsPerFile: 5 }, {}, schema)).toEqual({ rowsPerFile: 5 });
    expect(stripDefaults({ header: true, gzip: true }, { header: true }, schema)).toEqual({ header: true, gzip: true });
  });
});
