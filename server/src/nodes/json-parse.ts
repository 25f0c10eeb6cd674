import { createJsonParser } from '@backflow/transforms';
import type { NodeType } from './contract.ts';
import { createTextParserNode } from './parse/text-parser-node.ts';

interface JsonParseConfig {
  style?: 'ndjson' | 'array' | 'auto';
}

export const jsonParse: NodeType<JsonParseConfig> = {
  type: 'json.parse',
  role: 'transform',
  title: 'Parse JSON',
  description:
    'Reads NDJSON or JSON-array files (gzipped when named .gz) into records; bad lines go to "rejected" with file and line.',
  config: {
    type: 'object',
    additionalProperties: false,
    properties: {
      style: { enum: ['ndjson', 'array', 'auto'], default: 'auto', title: 'Layout' },
    },
  },
  inputs: [{ name: 'files', kind: 'files' }],
  outputs: [
    { name: 'records', kind: 'records' },
    { name: 'rejected', kind: 'records' },
  ],
  create: (config, ctx) => createTextParserNode(() => createJsonParser(config), ctx),
};
