import { createCsvFormatter } from '@backflow/transforms';
import { Type } from '@sinclair/typebox';
import { defineTransform, type TransformInstance } from '../node-kit/contract.ts';
import { oneOf } from '../node-kit/schema.ts';
import { createPartWriter, partConfigProperties } from './format/part-files.ts';

export const csvFormat = defineTransform({
  type: 'csv.format',
  title: 'Format CSV',
  description:
    'Writes records as CSV parts (part-00001.csv[.gz]); the columns are the stream schema or the first batch.',
  config: Type.Object(
    {
      delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1, default: ',', title: 'Delimiter' })),
      header: Type.Optional(Type.Boolean({ default: true, title: 'Header line' })),
      quoteAll: Type.Optional(Type.Boolean({ default: false, title: 'Quote every field' })),
      escapeFormulae: Type.Optional(
        Type.Boolean({
          default: false,
          title: 'Escape formulae',
          description: 'Prefix cells starting with = + - @ with a quote so spreadsheets do not run them',
        }),
      ),
      newline: Type.Optional(oneOf(['\n', '\r\n'], { default: '\n', title: 'Line ending' })),
      ...partConfigProperties,
    },
    { additionalProperties: false },
  ),
  inputs: [{ name: 'records', kind: 'records' }],
  outputs: [
    { name: 'files', kind: 'files' },
    { name: 'rejected', kind: 'records' },
  ],
  partRows: (config) => config.rowsPerFile,
  partFormat(config) {
    const formatter = () => createCsvFormatter(config);
    return {
      extension: 'csv',
      contentType: 'text/csv',
      batchesStandAlone: true,
      createEncoder() {
        const csv = formatter();
        const header = config.header ?? true;
        return { start: (columns) => (header ? csv.header(columns) : ''), encode: csv.rows, end: () => '' };
      },
      refuse(record, columns) {
        for (const key of Object.keys(record)) {
          if (!columns.includes(key)) return `field "${key}" is not among the CSV columns (${columns.join(', ')})`;
        }
        return undefined;
      },
    };
  },
  create(config, ctx): TransformInstance {
    return createPartWriter(csvFormat.partFormat!(config), config, ctx);
  },
});
