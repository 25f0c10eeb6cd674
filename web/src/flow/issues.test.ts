import { describe, expect, it } from 'vitest';
import type { Flow } from '../api/types.ts';
import { backupFlow, testCatalog } from '../testing/catalog.ts';
import { configErrorSchema, editorIssues, placeIssues } from './issues.ts';

/** Two DuckDB tables into one CSV formatter: two sources feed `as-csv`. */
function twoSources(): Flow {
  const flow = backupFlow();
  return {
    ...flow,
    nodes: [...flow.nodes, { id: 'customers', type: 'duckdb.source', config: { path: 'demo/warehouse.duckdb' } }],
    edges: [...flow.edges, { from: 'customers', to: 'as-csv' }],
  };
}

/** The server's words for it (server/src/flow/validate.test.ts asserts the same through its validator). */
const serverIssue = {
  code: 'several_sources',
  path: 'nodes[1]',
  message: 'node "as-csv" is fed by several sources (orders, customers); split them into separate flows',
  nodeId: 'as-csv',
};
const fedByTwo = { ...serverIssue, field: '' };

describe('placeIssues', () => {
  it('puts issues on their node by id or by index, and keeps flow issues apart', () => {
    const placed = placeIssues(backupFlow(), [
      { path: 'nodes[1].config.rowsPerFile', message: 'must be >= 1', nodeId: 'as-csv' },
      { path: 'nodes[2].config.dir', message: 'required' },
      { path: 'edges[1].to', message: 'node "orders" has no inputs', nodeId: 'orders' },
      { path: 'schedule.cron', message: 'is not a cron expression' },
    ]);
    expect(placed.byNode['as-csv']).toEqual([
      { path: 'nodes[1].config.rowsPerFile', message: 'must be >= 1', nodeId: 'as-csv', field: 'config.rowsPerFile' },
    ]);
    expect(placed.byNode.archive![0]!.field).toBe('config.dir');
    expect(placed.byNode.orders![0]!.field).toBe('');
    expect(placed.flow).toEqual([{ path: 'schedule.cron', message: 'is not a cron expression' }]);
  });
});

describe('configErrorSchema', () => {
  it('nests config field errors the way @rjsf shows them, arrays by index', () => {
    const schema = configErrorSchema([
      { path: '', message: 'must be >= 1', field: 'config.rowsPerFile' },
      { path: '', message: 'required', field: 'config.where[0].field' },
      { path: '', message: 'must have a query or a table', field: 'config' },
      { path: '', message: 'unknown connection', field: 'connection' },
    ]);
    expect(schema).toEqual({
      rowsPerFile: { __errors: ['must be >= 1'] },
      where: { 0: { field: { __errors: ['required'] } } },
      __errors: ['must have a query or a table'],
    });
  });
});

describe('editorIssues', () => {
  it('puts "fed by several sources" on the node where the sources meet, as the server words it, before any answer', () => {
    const placed = editorIssues(twoSources(), testCatalog, undefined);
    expect(placed.byNode).toEqual({ 'as-csv': [fedByTwo] });
    expect(placed.flow).toEqual([]);
    // Downstream of the meeting point, one node feeds archive: it has no issue of its own.
    expect(placed.byNode.archive).toBeUndefined();
  });

  it("draws graph issues from the document as it is now, keeping the server's other issues", () => {
    const flow = twoSources();
    const server = {
      validated: flow,
      issues: [
        serverIssue,
        { path: 'nodes[2].config.dir', message: 'required', nodeId: 'archive' },
        { path: 'schedule.cron', message: 'is not a cron expression' },
      ],
    };
    const stillTwo = editorIssues(flow, testCatalog, server);
    expect(stillTwo.byNode['as-csv']).toEqual([fedByTwo]);
    expect(stillTwo.byNode.archive!.map((issue) => issue.field)).toEqual(['config.dir']);
    expect(stillTwo.flow).toEqual([{ path: 'schedule.cron', message: 'is not a cron expression' }]);
    // The second source's edge is gone: its issue goes at once, before the server has looked again.
    const fixed = editorIssues({ ...flow, edges: flow.edges.slice(0, 2) }, testCatalog, server);
    expect(fixed.byNode['as-csv']).toBeUndefined();
    expect(fixed.byNode.customers).toBeUndefined();
    expect(fixed.byNode.archive).toHaveLength(1);
  });

  it("keeps the server's graph issues while the catalog is not loaded", () => {
    const flow = twoSources();
    const placed = editorIssues(flow, {}, { validated: flow, issues: [serverIssue] });
    expect(placed.byNode['as-csv']).toEqual([fedByTwo]);
  });
});
