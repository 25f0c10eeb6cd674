/** The flow documents the benchmark runs: the same JSON a user would write, with absolute input paths. */
import { envRef } from '../e2e/support.ts';

type FlowNode = { id: string; type: string; config: Record<string, unknown> };

/** The id of the source node in every benchmark flow, so results can ask which path it took. */
export const sourceId = 'orders';

const partRows = 1_000_000;

function chain(name: string, nodes: FlowNode[], settings: Record<string, unknown> = {}) {
  const edges = nodes.slice(1).map((node, index) => ({ from: nodes[index]!.id, to: node.id }));
  return { name, settings, nodes, edges };
}

function ordersSource(database: string): FlowNode {
  return { id: sourceId, type: 'duckdb.source', config: { path: database, table: 'orders', key: 'order_id' } };
}

const archive: FlowNode = { id: 'archive', type: 'files.destination', config: { dir: 'out' } };

/** DuckDB orders → Parquet parts; eligible for the COPY pushdown. */
export function ordersToParquet(database: string) {
  return chain('bench-orders-parquet', [
    ordersSource(database),
    { id: 'as-parquet', type: 'parquet.format', config: { rowsPerFile: partRows } },
    archive,
  ]);
}

/** The `map` of the row-path flows: a rename and a cast, so the records are really reshaped in JavaScript. */
const ordersShape: FlowNode = {
  id: 'shape',
  type: 'map',
  config: { rename: { order_id: 'id' }, cast: { items: 'integer' } },
};

/**
 * DuckDB orders → gzipped CSV parts. `rowPath`: through a `map` with the pushdown off
 * (`settings.pushdown: false`), so every row crosses into JavaScript and is reshaped there.
 */
export function ordersToCsvGzip(database: string, options: { rowPath: boolean }) {
  const format: FlowNode = { id: 'as-csv', type: 'csv.format', config: { rowsPerFile: partRows, gzip: true } };
  return options.rowPath
    ? chain('bench-orders-csv-row-path', [ordersSource(database), ordersShape, format, archive], { pushdown: false })
    : chain('bench-orders-csv', [ordersSource(database), format, archive]);
}

/** DuckDB orders → `map` → NDJSON parts: the row path (a map never fuses with a source). */
export function ordersToNdjson(database: string) {
  return chain('bench-orders-ndjson-row-path', [
    ordersSource(database),
    ordersShape,
    { id: 'as-ndjson', type: 'json.format', config: { rowsPerFile: partRows } },
    archive,
  ]);
}

/**
 * A CSV file → records → map → NDJSON parts: the generic record path (the `map` between parse and
 * format leaves nothing to fuse), renaming a field and casting two to integers.
 */
export function csvToNdjson(csvFile: string) {
  return chain('bench-csv-ndjson', [
    { id: sourceId, type: 'files.source', config: { path: csvFile } },
    { id: 'parse', type: 'csv.parse', config: { header: true } },
    {
      id: 'shape',
      type: 'map',
      config: { rename: { order_id: 'id' }, cast: { customer_id: 'integer', items: 'integer' } },
    },
    { id: 'as-ndjson', type: 'json.format', config: { style: 'ndjson' } },
    archive,
  ]);
}

/** Postgres table → gzipped CSV parts (eligible for the Postgres COPY pushdown); the URL from `urlEnv`. */
export function postgresToCsvGzip(urlEnv: string, table: string, key: string) {
  return chain('bench-postgres-csv', [
    { id: sourceId, type: 'postgres.source', config: { url: envRef(urlEnv), table, key } },
    { id: 'as-csv', type: 'csv.format', config: { rowsPerFile: partRows, gzip: true } },
    archive,
  ]);
}

/** The id of the destination in the migration flow. */
export const migrationTargetId = 'target';

/** Every table of a MySQL/MariaDB database → Postgres, tables created and replaced (examples/mysql-to-postgres.json). */
export function mysqlToPostgres(sourceEnv: string, targetEnv: string) {
  return chain('bench-mysql-postgres', [
    { id: sourceId, type: 'mysql.source', config: { url: envRef(sourceEnv), tables: ['*'] } },
    {
      id: migrationTargetId,
      type: 'postgres.destination',
      config: { url: envRef(targetEnv), mode: 'replace', createTables: true },
    },
  ]);
}
