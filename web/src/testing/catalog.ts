import type { Catalog, Flow, NodeTypeInfo } from '../api/types.ts';

/** A few node types shaped like the server's (`GET /api/node-types`), for unit tests. */
const types: NodeTypeInfo[] = [
  {
    type: 'duckdb.source',
    role: 'source',
    title: 'DuckDB source',
    description: 'Reads a table or query from a DuckDB file',
    config: {
      type: 'object',
      required: ['path'],
      properties: { path: { type: 'string' }, table: { type: 'string' }, key: { type: 'string' } },
    },
    inputs: [],
    outputs: [{ name: 'records', kind: 'records' }],
    connectionFields: ['path'],
  },
  {
    type: 'files.source',
    role: 'source',
    title: 'Local files',
    description: 'Reads files from a directory',
    config: { type: 'object', properties: { path: { type: 'string' } } },
    inputs: [],
    outputs: [{ name: 'files', kind: 'files' }],
  },
  {
    type: 'csv.parse',
    role: 'transform',
    title: 'Parse CSV',
    description: 'Turns CSV files into records',
    config: { type: 'object', properties: { header: { type: 'boolean', default: true } } },
    inputs: [{ name: 'files', kind: 'files' }],
    outputs: [
      { name: 'records', kind: 'records' },
      { name: 'rejected', kind: 'records' },
    ],
  },
  {
    type: 'map',
    role: 'transform',
    title: 'Map fields',
    description: 'Selects, renames and casts fields',
    config: { type: 'object', properties: { select: { type: 'array', items: { type: 'string' } } } },
    inputs: [{ name: 'records', kind: 'records' }],
    outputs: [
      { name: 'records', kind: 'records' },
      { name: 'rejected', kind: 'records' },
    ],
  },
  {
    type: 'csv.format',
    role: 'transform',
    title: 'Format CSV',
    description: 'Turns records into CSV files',
    config: {
      type: 'object',
      properties: { rowsPerFile: { type: 'integer', minimum: 1 }, gzip: { type: 'boolean', default: false } },
    },
    inputs: [{ name: 'records', kind: 'records' }],
    outputs: [
      { name: 'files', kind: 'files' },
      { name: 'rejected', kind: 'records' },
    ],
  },
  {
    type: 'files.destination',
    role: 'destination',
    title: 'Local files',
    description: 'Writes files to a directory',
    config: { type: 'object', required: ['dir'], properties: { dir: { type: 'string' } } },
    inputs: [{ name: 'files', kind: 'files' }],
    outputs: [],
  },
  {
    type: 'duckdb.destination',
    role: 'destination',
    title: 'DuckDB destination',
    description: 'Writes records to a DuckDB table',
    config: { type: 'object', properties: { table: { type: 'string' } } },
    inputs: [{ name: 'records', kind: 'records' }],
    outputs: [],
    connectionFields: ['path'],
  },
];

export const testCatalog: Catalog = Object.fromEntries(types.map((type) => [type.type, type]));

/** orders (DuckDB) → as-csv → archive, the README's backup flow. */
export function backupFlow(): Flow {
  return {
    name: 'nightly-orders-backup',
    nodes: [
      {
        id: 'orders',
        type: 'duckdb.source',
        config: { path: 'demo/warehouse.duckdb', table: 'orders' },
        position: { x: 0, y: 0 },
      },
      { id: 'as-csv', type: 'csv.format', config: { rowsPerFile: 500000 }, position: { x: 260, y: 0 } },
      { id: 'archive', type: 'files.destination', config: { dir: 'backups/{flow}' }, position: { x: 520, y: 0 } },
    ],
    edges: [
      { from: 'orders', to: 'as-csv' },
      { from: 'as-csv', to: 'archive' },
    ],
  };
}
