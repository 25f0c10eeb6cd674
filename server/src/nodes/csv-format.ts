import { createCsvFormatter } from '@backflow/transforms';
import type { NodeType } from '../node-kit/contract.ts';
import { createPartWriter, partConfigProperties } from './format/part-files.ts';

interface CsvFormatConfig {
  delimiter?: string;
  header?: boolean;
  quoteAll?: boolean;
  escapeFormulae?: boolean;
  newline?: '\n' | '\r\n';
  rowsPerFile?: number;
  gzip?: boolean;
}

export const csvFormat: NodeType<CsvFormatConfig> = {
  type: 'csv.format',
  role: 'transform',
  title: 'Format CSV',
  description:
    'Writes records as CSV parts (part-00001.csv[.gz]); the columns are the stream schema or the first batch.',
  config: {
    type: 'object',
    additionalProperties: false,
    properties: {
      delimiter: { type: 'string', minLength: 1, maxLength: 1, default: ',', title: 'Delimiter' },
      header: { type: 'boolean', default: true, title: 'Header line' },
      quoteAll: { type: 'boolean', default: false, title: 'Quote every field' },
      escapeFormulae: {
        type: 'boolean',
        default: false,
        title: 'Escape formulae',
        description: 'Prefix cells starting with = + - @ with a quote so spreadsheets do not run them',
      },
      newline: { enum: ['\n', '\r\n'], default: '\n', title: 'Line ending' },
      ...partConfigProperties,
    },
  },
  inputs: [{ name: 'records', kind: 'records' }],
  outputs: [
    { name: 'files', kind: 'files' },
    { name: 'rejected', kind: 'records' },
  ],
  partRows: (config) => config.rowsPerFile,
  copyFormat(config) {
    // DuckDB's CSV writer has no formula escaping and always quotes minimally; only plain configs push down.
    if (config.escapeFormulae || config.quoteAll || (config.newline ?? '\n') !== '\n') return undefined;
    const delimiter = (config.delimiter ?? ',').replaceAll("'", "''");
    return {
      options: `format csv, header ${config.header ?? true}, delimiter '${delimiter}'${config.gzip ? ', compression gzip' : ''}`,
      extension: config.gzip ? 'csv.gz' : 'csv',
      contentType: 'text/csv',
      ...(config.rowsPerFile ? { rowsPerFile: config.rowsPerFile } : {}),
    };
  },
  create(config, ctx) {
    const formatter = () => createCsvFormatter(config);
    return createPartWriter(
      {
        extension: 'csv',
        contentType: 'text/csv',
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
      },
      config,
      ctx,
    );
  },
};
