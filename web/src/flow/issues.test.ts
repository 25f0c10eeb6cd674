import { describe, expect, it } from 'vitest';
import { backupFlow } from '../testing/catalog.ts';
import { configErrorSchema, placeIssues } from './issues.ts';

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
