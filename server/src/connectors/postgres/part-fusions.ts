/**
 * `postgres.source` fused into the `csv.format` node it feeds alone (see `PartsFusion`): PostgreSQL
 * writes each part with one `COPY … TO STDOUT` (copy-parts.ts) where the row path would build
 * records in JavaScript and format them again. Only configs whose output COPY matches fuse: the
 * parts read back as the row path's (same names, rows and cell values).
 */
import { defineFusion, type PartsFusion, type PartsRead, type SourceContext } from '../../node-kit/contract.ts';
import { readPlanned } from '../../node-kit/sql/database-source.ts';
import { csvFormat } from '../../nodes/csv-format.ts';
import { type CsvParts, copyParts } from './copy-parts.ts';
import { postgresDriver } from './driver.ts';
import { postgresSource } from './source.ts';
import type { PostgresSourceConfig } from './source-config.ts';

/** The source's rows as CSV parts PostgreSQL writes. */
export function readCsvParts(config: PostgresSourceConfig, options: CsvParts): PartsRead {
  return (ctx: SourceContext) =>
    readPlanned(postgresDriver, config, ctx, (client, streams) => copyParts(client, streams, options, ctx));
}

const intoCsv = defineFusion(postgresSource, csvFormat, (source, csv) => {
  // Incremental reads keep their own cursor; a query is cut into parts by its key only.
  if (source.incremental !== undefined || (source.query !== undefined && source.key === undefined)) return undefined;
  // COPY writes `\n` line ends, quotes only where needed, and knows no formula escaping.
  if (csv.escapeFormulae || csv.quoteAll || (csv.newline ?? '\n') !== '\n') return undefined;
  return readCsvParts(source, {
    header: csv.header ?? true,
    delimiter: csv.delimiter ?? ',',
    gzip: csv.gzip ?? false,
    ...(csv.rowsPerFile ? { rowsPerFile: csv.rowsPerFile } : {}),
  });
});

export const postgresFusions: readonly PartsFusion[] = [intoCsv];
