/** `duckdb.source`'s config: one declaration for the JSON Schema and the TypeScript type. */
import { type Static, Type } from '@sinclair/typebox';
import { maxBatchSize } from '../../node-kit/contract.ts';
import { keyProperty } from '../../node-kit/schema.ts';

export const duckdbSourceConfig = Type.Object(
  {
    path: Type.String({
      'x-local-path': true,
      minLength: 1,
      title: 'Database file',
      description: 'Path of the .duckdb file; a relative path is resolved against the flow directory.',
    }),
    query: Type.Optional(
      Type.String({
        minLength: 1,
        title: 'Query',
        description: 'A SELECT statement; each result row becomes a record. Give either a query or a table.',
        // Drawn as a SQL editor, which asks the server to parse it as the user leaves it.
        contentMediaType: 'application/sql',
      }),
    ),
    table: Type.Optional(
      Type.String({
        minLength: 1,
        title: 'Table',
        description:
          'A table or view to read whole, optionally with its schema (sales.orders). Give either a table or a query.',
      }),
    ),
    key: Type.Optional(
      keyProperty({
        description:
          'Column, or columns, that identify a row uniquely. The read is ordered by them, which lets an interrupted run resume after the last checkpoint.',
      }),
    ),
    batchSize: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: maxBatchSize,
        title: 'Batch size',
        description: 'Records per batch; the engine default when empty.',
      }),
    ),
  },
  {
    title: 'DuckDB source',
    additionalProperties: false,
    oneOf: [
      { title: 'Read a query', required: ['query'] },
      { title: 'Read a table', required: ['table'] },
    ],
  },
);
export type DuckDBSourceConfig = Static<typeof duckdbSourceConfig>;
