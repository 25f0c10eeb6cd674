/**
 * `duckdb.source` fused into the format node it feeds alone (see `PartsFusion`): DuckDB writes
 * each CSV or Parquet part with one COPY (copy-parts.ts), where the row path would build records
 * in JavaScript and format them again. Only configs DuckDB's writers honour exactly fuse.
 */
import { ConfigError } from '../../errors.ts';
import { defineFusion, type PartsFusion, type PartsRead, type SourceContext } from '../../node-kit/contract.ts';
import { csvFormat } from '../../nodes/csv-format.ts';
import { parquetFormat } from '../../nodes/parquet-format.ts';
import { type CopyFormat, copyParts, partKeys } from './copy-parts.ts';
import { disconnect } from './database.ts';
import { openSource, supervise } from './relation.ts';
import { duckdbSource } from './source.ts';
import type { DuckDBSourceConfig } from './source-config.ts';

/** Parts are cut by key ranges: a table has its rowid, a query needs a key. */
function canWriteParts(config: DuckDBSourceConfig): boolean {
  return config.table !== undefined || config.key !== undefined;
}

/** The source's rows as parts DuckDB writes in `format`. */
export function readParts(config: DuckDBSourceConfig, format: CopyFormat): PartsRead {
  return async function* readParts(ctx: SourceContext) {
    const source = await openSource(config, ctx);
    const keys = partKeys(source, config.table !== undefined);
    if (keys === undefined) {
      disconnect(source.connection);
      throw new ConfigError(`node "${ctx.nodeId}": a query needs a key to be written in parts`, {
        nodeId: ctx.nodeId,
        details: [{ path: 'config.key', message: 'a query needs a key to be written in parts' }],
      });
    }
    yield* supervise(source, ctx, copyParts(source, keys, ctx, format));
  };
}

const intoCsv = defineFusion(duckdbSource, csvFormat, (source, csv) => {
  // DuckDB's CSV writer has no formula escaping and always quotes minimally; only plain configs fuse.
  if (!canWriteParts(source) || csv.escapeFormulae || csv.quoteAll || (csv.newline ?? '\n') !== '\n') return undefined;
  const delimiter = (csv.delimiter ?? ',').replaceAll("'", "''");
  return readParts(source, {
    options: `format csv, header ${csv.header ?? true}, delimiter '${delimiter}'${csv.gzip ? ', compression gzip' : ''}`,
    extension: csv.gzip ? 'csv.gz' : 'csv',
    contentType: 'text/csv',
    ...(csv.rowsPerFile ? { rowsPerFile: csv.rowsPerFile } : {}),
  });
});

const intoParquet = defineFusion(duckdbSource, parquetFormat, (source, parquet) => {
  if (!canWriteParts(source)) return undefined;
  return readParts(source, {
    options: `format parquet, compression ${parquet.compression ?? 'snappy'}`,
    extension: 'parquet',
    contentType: 'application/vnd.apache.parquet',
    ...(parquet.rowsPerFile ? { rowsPerFile: parquet.rowsPerFile } : {}),
  });
});

export const duckdbFusions: readonly PartsFusion[] = [intoCsv, intoParquet];
