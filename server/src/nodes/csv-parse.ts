import { type CsvCarryOver, CsvPieceCutter, createCsvParser } from '@backflow/transforms';
import { Type } from '@sinclair/typebox';
import { defineTransform } from '../node-kit/contract.ts';
import { createTextParserNode, encodingProperty } from './parse/text-parser-node.ts';

export const csvParse = defineTransform({
  type: 'csv.parse',
  title: 'Parse CSV',
  description:
    'Reads CSV files (gzipped when named .gz) into records; malformed rows, rows with bytes not valid in the encoding and records longer than 16 MiB go to "rejected" with file, line and reason.',
  config: Type.Object(
    {
      encoding: encodingProperty,
      header: Type.Optional(Type.Boolean({ default: true, title: 'First line is a header' })),
      delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1, default: ',', title: 'Delimiter' })),
      quoteChar: Type.Optional(Type.String({ minLength: 1, maxLength: 1, default: '"', title: 'Quote character' })),
      columns: Type.Optional(
        Type.Array(Type.String(), {
          title: 'Column names',
          description: 'In file order, when the first line is not a header.',
        }),
      ),
      emptyAsNull: Type.Optional(Type.Boolean({ default: true, title: 'Empty unquoted fields are null' })),
    },
    { additionalProperties: false },
  ),
  inputs: [{ name: 'files', kind: 'files' }],
  outputs: [
    { name: 'records', kind: 'records' },
    { name: 'rejected', kind: 'records' },
  ],
  create: ({ encoding, ...options }, ctx) => createTextParserNode(() => createCsvParser(options), encoding, ctx),
  // Cut where a line break byte ends a record: in UTF-16 one may sit inside a character, and a
  // delimiter or quote outside ASCII is several bytes in UTF-8.
  pieces: ({ encoding, ...options }) =>
    encoding === 'utf-16le' || !isAscii(options.delimiter ?? ',') || !isAscii(options.quoteChar ?? '"')
      ? undefined
      : {
          encoding,
          createCutter: () => new CsvPieceCutter(options),
          createParser: (start) =>
            createCsvParser(options, start && { line: start.line, carried: start.carried as CsvCarryOver }),
        },
});

function isAscii(text: string): boolean {
  return [...text].every((char) => char.charCodeAt(0) < 0x80);
}
