/** The config fields every database source shares: what to read (query, table or tables), its key, and an incremental cursor. */
import { Type } from '@sinclair/typebox';
import { keyProperty } from '../schema.ts';

export const sourceProperties = {
  query: Type.Optional(
    Type.String({
      minLength: 1,
      title: 'Query',
      description: 'A SELECT statement; each result row becomes a record. Give one of query, table and tables.',
      contentMediaType: 'application/sql',
    }),
  ),
  table: Type.Optional(
    Type.String({ minLength: 1, title: 'Table', description: 'One table to read whole, optionally schema.table.' }),
  ),
  tables: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      title: 'Tables',
      description:
        'Tables to read, one stream each, parents before children: "*" for all, names, or globs such as "order_*" or "sales.*".',
    }),
  ),
  key: Type.Optional(
    keyProperty({
      description:
        'Column, or columns, identifying a row; the read pages in this order so an interrupted run resumes exactly. Default: the primary key.',
    }),
  ),
  incremental: Type.Optional(
    Type.Object(
      {
        cursor: Type.String({
          minLength: 1,
          title: 'Cursor column',
          description: 'A column that grows when a row is inserted or updated (updated_at, a version number).',
        }),
        key: Type.Optional(
          keyProperty({ description: 'Tie-breaker among rows sharing a cursor value. Default: the primary key.' }),
        ),
        lookback: Type.Optional(
          Type.Number({
            minimum: 0,
            title: 'Lookback (seconds)',
            description:
              'Re-read rows whose cursor is this much older than where the last run ended, for rows committed late; those already read unchanged are skipped.',
          }),
        ),
      },
      {
        additionalProperties: false,
        title: 'Incremental',
        description: 'Read only rows changed since the last succeeded run.',
      },
    ),
  ),
};

/** The config's `oneOf`: exactly one of query, table and tables. */
export const sourceChoices = [
  { title: 'Read a query', required: ['query'] },
  { title: 'Read a table', required: ['table'] },
  { title: 'Read tables', required: ['tables'] },
];

/** A key config value as column names. */
export function keyColumns(key: string | string[] | undefined): string[] | undefined {
  return key === undefined ? undefined : typeof key === 'string' ? [key] : key;
}
