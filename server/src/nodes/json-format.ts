import { createJsonFormatter } from '@backflow/transforms';
import type { NodeType } from '../node-kit/contract.ts';
import { createPartWriter, partConfigProperties } from './format/part-files.ts';

interface JsonFormatConfig {
  style?: 'ndjson' | 'array';
  rowsPerFile?: number;
  gzip?: boolean;
}

export const jsonFormat: NodeType<JsonFormatConfig> = {
  type: 'json.format',
  role: 'transform',
  title: 'Format JSON',
  description: 'Writes records as NDJSON (one object a line) or JSON-array parts.',
  config: {
    type: 'object',
    additionalProperties: false,
    properties: {
      style: { enum: ['ndjson', 'array'], default: 'ndjson', title: 'Layout' },
      ...partConfigProperties,
    },
  },
  inputs: [{ name: 'records', kind: 'records' }],
  outputs: [{ name: 'files', kind: 'files' }],
  partRows: (config) => config.rowsPerFile,
  create(config, ctx) {
    const style = config.style ?? 'ndjson';
    return createPartWriter(
      {
        extension: style === 'ndjson' ? 'ndjson' : 'json',
        contentType: style === 'ndjson' ? 'application/x-ndjson' : 'application/json',
        createEncoder() {
          const json = createJsonFormatter({ style });
          return { start: () => json.start(), encode: (records) => json.rows(records), end: () => json.end() };
        },
      },
      config,
      ctx,
    );
  },
};
