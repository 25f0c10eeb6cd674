import { describe, expect, it } from 'vitest';
import type { Flow } from '../api/types.ts';
import { backupFlow, testCatalog } from '../testing/catalog.ts';
import { checkConnection } from './connect.ts';

/** a → b → c, three record transforms in a row. */
function chain(): Flow {
  return {
    name: 'chain',
    nodes: ['a', 'b', 'c'].map((id) => ({ id, type: 'map' })),
    edges: [
      { from: 'a', to: 'b' },
      { from: 'b:records', to: 'c' },
    ],
  };
}

describe('checkConnection', () => {
  it('accepts records into records', () => {
    const flow: Flow = { ...backupFlow(), edges: [] };
    expect(checkConnection(flow, testCatalog, { source: 'orders', sourceHandle: 'records', target: 'as-csv' })).toEqual(
      { ok: true },
    );
  });

  it('refuses records into a files port and says a format node bridges them', () => {
    const check = checkConnection(backupFlow(), testCatalog, {
      source: 'orders',
      sourceHandle: 'records',
      target: 'archive',
      targetHandle: 'files',
    });
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toBe(
      '"orders" sends records but "archive" takes files: a format node (Format CSV, JSON or Parquet) turns records into files; put one between them',
    );
  });

  it('refuses files into a records port and says a parse node bridges them', () => {
    const flow: Flow = {
      name: 'f',
      nodes: [
        { id: 'in', type: 'files.source' },
        { id: 'm', type: 'map' },
      ],
      edges: [],
    };
    const files = checkConnection(flow, testCatalog, { source: 'in', target: 'm' });
    expect(!files.ok && files.reason).toMatch(/sends files but "m" takes records: a parse node/);
  });

  it('checks the named port, not the first one: the rejected output of a format node is records', () => {
    const flow: Flow = {
      name: 'f',
      nodes: [
        { id: 'fmt', type: 'csv.format' },
        { id: 'bad', type: 'duckdb.destination' },
      ],
      edges: [],
    };
    expect(checkConnection(flow, testCatalog, { source: 'fmt', sourceHandle: 'rejected', target: 'bad' }).ok).toBe(
      true,
    );
    expect(checkConnection(flow, testCatalog, { source: 'fmt', sourceHandle: 'files', target: 'bad' }).ok).toBe(false);
  });

  it('refuses an edge that closes a cycle and names the loop', () => {
    const check = checkConnection(chain(), testCatalog, { source: 'c', sourceHandle: 'records', target: 'a' });
    expect(check).toEqual({ ok: false, reason: 'that would make a cycle (a → b → c → a)' });
  });

  it('refuses a node feeding itself', () => {
    const check = checkConnection(chain(), testCatalog, { source: 'b', sourceHandle: 'rejected', target: 'b' });
    expect(!check.ok && check.reason).toMatch(/cannot feed itself/);
  });

  it('refuses the same port pair twice, whether or not the flow spells the default port', () => {
    const check = checkConnection(chain(), testCatalog, {
      source: 'b',
      sourceHandle: 'records',
      target: 'c',
      targetHandle: 'records',
    });
    expect(!check.ok && check.reason).toBe('"b:records" already feeds "c:records"');
    // A second output of the same node into the same input is a different edge.
    expect(checkConnection(chain(), testCatalog, { source: 'b', sourceHandle: 'rejected', target: 'c' }).ok).toBe(true);
  });

  it('refuses an input into a source and an unknown port', () => {
    const flow = backupFlow();
    const intoSource = checkConnection(flow, testCatalog, {
      source: 'as-csv',
      sourceHandle: 'rejected',
      target: 'orders',
    });
    expect(!intoSource.ok && intoSource.reason).toMatch(/is a source: it takes no input/);
    const noPort = checkConnection(flow, testCatalog, { source: 'orders', sourceHandle: 'nope', target: 'as-csv' });
    expect(noPort.ok).toBe(false);
  });
});
