import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ConfigError } from '../../errors.ts';
import type { Column, CopyFormat, SourceBatch, SourceContext } from '../../nodes/contract.ts';
import { partFileName } from '../../nodes/format/part-files.ts';

export interface CopyPartsConfig {
  path: string;
  table?: string;
  query?: string;
  key?: string | string[];
}

/** Where a pushed-down read resumes: after this key value, at this part number. */
interface PartsCursor {
  after: string | number | null;
  part: number;
}

/** A table can page by its rowid; a query needs one key column. Composite keys use the row path. */
export function partsKey(config: CopyPartsConfig): string | undefined {
  const key = Array.isArray(config.key) ? (config.key.length === 1 ? config.key[0] : undefined) : config.key;
  return key ?? (config.table ? 'rowid' : undefined);
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * DuckDB source → format node, pushed down: each part is one `COPY (… WHERE key > lo AND key <= hi
 * ORDER BY key) TO part (FORMAT …)`, so DuckDB formats the rows natively. Part boundaries are the
 * key at every `rowsPerFile`-th row, found in one pass; the cursor after a part is its upper key,
 * so a resumed run continues with the next part and never writes a row twice.
 */
export async function* readDuckdbParts(
  config: CopyPartsConfig,
  ctx: SourceContext,
  format: CopyFormat,
): AsyncGenerator<SourceBatch> {
  const file = path.resolve(ctx.baseDir, config.path);
  await access(file).catch(() => {
    throw new ConfigError(`DuckDB database "${config.path}" does not exist`, { nodeId: ctx.nodeId });
  });
  const key = partsKey(config);
  if (!key) throw new ConfigError('a pushed-down DuckDB read needs a table or a single key column', { nodeId: ctx.nodeId });
  const stream = config.table ?? 'query';
  const relation = config.table
    ? `(select *, ${key === 'rowid' ? 'rowid' : quoteIdentifier(key)} as __backflow_key from ${config.table.split('.').map(quoteIdentifier).join('.')})`
    : `(select *, ${quoteIdentifier(key)} as __backflow_key from (${config.query}))`;
  const instance = await DuckDBInstance.fromCache(file);
  const connection = await instance.connect();
  try {
    const described = await connection.runAndReadAll(`describe select * from ${relation}`);
    const columns = described.getRowObjectsJson().map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
    const keyType = columns.find((c) => c.name === '__backflow_key')!.type;
    const schema: Column[] = columns.filter((c) => c.name !== '__backflow_key');
    const select = schema.map((c) => quoteIdentifier(c.name)).join(', ');

    const resume = ctx.resumeCursor as PartsCursor | undefined;
    let part = resume?.part ?? 1;
    let after = resume?.after ?? null;
    const lower = (value: typeof after) => (value === null ? 'true' : `__backflow_key > ${sqlString(String(value))}::${keyType}`);
    const boundaries = format.rowsPerFile
      ? (
          await connection.runAndReadAll(
            `select __backflow_key::varchar as boundary from (
               select __backflow_key, row_number() over (order by __backflow_key) as n from ${relation} where ${lower(after)}
             ) where n % ${Math.floor(format.rowsPerFile)} = 0 order by n`,
          )
        )
          .getRowObjectsJson()
          .map((row) => String(row.boundary))
      : [];

    const ranges: (string | null)[] = [...boundaries, null];
    for (const upper of ranges) {
      ctx.signal.throwIfAborted();
      const name = partFileName(stream, part, format.extension, false);
      const target = path.join(ctx.tempDir, name);
      await mkdir(path.dirname(target), { recursive: true });
      const upperBound = upper === null ? 'true' : `__backflow_key <= ${sqlString(upper)}::${keyType}`;
      const copied = await connection.runAndReadAll(
        `copy (select ${select} from ${relation} where ${lower(after)} and ${upperBound} order by __backflow_key)
         to ${sqlString(target)} (${format.options})`,
      );
      const rows = Number(copied.getRows()[0]?.[0] ?? 0);
      const isFirstPart = part === 1;
      if (upper === null && rows === 0 && !isFirstPart) {
        await rm(target, { force: true });
        return;
      }
      const { bytes, sha256 } = await digest(target);
      yield {
        kind: 'file',
        name,
        stream,
        rows,
        bytes,
        sha256,
        schema,
        contentType: format.contentType,
        localPath: target,
        open: () => createReadStream(target),
        dispose: () => rm(target, { force: true }),
        // The last part has no upper key: there is nothing after it to resume.
        cursor: upper === null ? null : ({ after: upper, part: part + 1 } satisfies PartsCursor),
      };
      after = upper;
      part += 1;
    }
  } finally {
    connection.closeSync();
  }
}

async function digest(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}
