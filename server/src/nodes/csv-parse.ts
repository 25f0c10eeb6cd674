import { createCsvParser, type TextEncoding } from '@backflow/transforms';
import type { NodeType } from '../node-kit/contract.ts';
import { createTextParserNode, encodingProperty } from './parse/text-parser-node.ts';

interface CsvParseConfig {
  encoding?: TextEncoding;
  header?: boolean;
  delimiter?: string;
  quoteChar?: string;
  columns?: string[];
  emptyAsNull?: boolean;
}

export const csvParse: NodeType<CsvParseConfig> = {
  type: 'csv.parse',
  role: 'transform',
  title: 'Parse CSV',
  description:
    'Reads CSV files (gzipped when named .gz) into records; malformed rows, rows with bytes not valid in the encoding and records longer than 16 MiB go to "rejected" with file, line and reason.',
  config: {
    type: 'object',
    additionalProperties: false,
    properties: {
      encoding: encodingProperty,
      header: { type: 'boolean', default: true, title: 'First line is a header' },
      delimiter: { type: 'string', minLength: 1, maxLength: 1, default: ',', title: 'Delimiter' },
      quoteChar: { type: 'string', minLength: 1, maxLength: 1, default: '"', title: 'Quote character' },
      columns: {
        type: 'array',
        items: { type: 'string' },
        title: 'Column names',
        description: 'In file order, when the first line is not a header.',
      },
      emptyAsNull: { type: 'boolean', default: true, title: 'Empty unquoted fields are null' },
    },
  },
  inputs: [{ name: 'files', kind: 'files' }],
  outputs: [
    { name: 'records', kind: 'records' },
    { name: 'rejected', kind: 'records' },
  ],
  create: ({ encoding, ...options }, ctx) => createTextParserNode(() => createCsvParser(options), encoding, ctx),
};
