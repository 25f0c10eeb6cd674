import { createJsonFormatter } from '@backflow/transforms';
import { Type } from '@sinclair/typebox';
import { type Column, defineTransform, type TransformInstance } from '../node-kit/contract.ts';
import { oneOf } from '../node-kit/schema.ts';
import { createPartWriter, partConfigProperties } from './format/part-files.ts';

export const parquetCompressions = ['snappy', 'zstd', 'gzip', 'uncompressed'] as const;

/** A string literal for DuckDB SQL: column names and types in read_json's `columns` cannot be bound. */
function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Writes records as Parquet parts. Records are spooled as NDJSON on disk, then DuckDB converts
 * each part with the stream's column types, so DECIMAL, TIMESTAMPTZ, LIST, STRUCT… keep their types.
 */
export const parquetFormat = defineTransform({
  type: 'parquet.format',
  title: 'Format Parquet',
  description: 'Writes records as Parquet parts (part-00001.parquet) with the stream schema’s column types.',
  config: Type.Object(
    {
      rowsPerFile: partConfigProperties.rowsPerFile,
      compression: Type.Optional(oneOf(parquetCompressions, { default: 'snappy', title: 'Compression' })),
    },
    { additionalProperties: false },
  ),
  inputs: [{ name: 'records', kind: 'records' }],
  outputs: [{ name: 'files', kind: 'files' }],
  partRows: (config) => config.rowsPerFile,
  partFormat(config) {
    const compression = config.compression ?? 'snappy';
    return {
      extension: 'parquet',
      contentType: 'application/vnd.apache.parquet',
      batchesStandAlone: true,
      createEncoder() {
        const json = createJsonFormatter({ style: 'ndjson' });
        return { start: () => json.start(), encode: (records) => json.rowsBytes(records), end: () => json.end() };
      },
      convert: (textFile, target, schema) => ndjsonToParquet(textFile, target, schema, compression),
    };
  },
  create(config, ctx): TransformInstance {
    return createPartWriter(
      parquetFormat.partFormat!(config),
      { ...(config.rowsPerFile ? { rowsPerFile: config.rowsPerFile } : {}), gzip: false },
      ctx,
    );
  },
});

async function ndjsonToParquet(source: string, target: string, schema: Column[] | undefined, compression: string) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const columns = schema
      ? `, columns = {${schema.map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(', ')}}`
      : '';
    await connection.run(
      `copy (select * from read_json($source, format = 'newline_delimited'${columns}))
       to $target (format parquet, compression ${compression})`,
      { source, target },
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
