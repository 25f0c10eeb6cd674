import { createJsonFormatter } from '@backflow/transforms';
import { Type } from '@sinclair/typebox';
import { defineTransform, type TransformInstance } from '../node-kit/contract.ts';
import { oneOf } from '../node-kit/schema.ts';
import { createPartWriter, partConfigProperties } from './format/part-files.ts';

export const jsonFormat = defineTransform({
  type: 'json.format',
  title: 'Format JSON',
  description: 'Writes records as NDJSON (one object a line) or JSON-array parts.',
  config: Type.Object(
    {
      style: Type.Optional(oneOf(['ndjson', 'array'], { default: 'ndjson', title: 'Layout' })),
      ...partConfigProperties,
    },
    { additionalProperties: false },
  ),
  inputs: [{ name: 'records', kind: 'records' }],
  outputs: [{ name: 'files', kind: 'files' }],
  partRows: (config) => config.rowsPerFile,
  partFormat(config) {
    const style = config.style ?? 'ndjson';
    return {
      extension: style === 'ndjson' ? 'ndjson' : 'json',
      contentType: style === 'ndjson' ? 'application/x-ndjson' : 'application/json',
      // An array's separators depend on what came before in the part.
      batchesStandAlone: style === 'ndjson',
      createEncoder() {
        const json = createJsonFormatter({ style });
        return { start: () => json.start(), encode: (records) => json.rowsBytes(records), end: () => json.end() };
      },
    };
  },
  create(config, ctx): TransformInstance {
    return createPartWriter(jsonFormat.partFormat!(config), config, ctx);
  },
});
