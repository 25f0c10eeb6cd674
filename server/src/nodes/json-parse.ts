import { createJsonParser, type TextEncoding } from '@backflow/transforms';
import type { NodeType } from '../node-kit/contract.ts';
import { createTextParserNode, encodingProperty } from './parse/text-parser-node.ts';

interface JsonParseConfig {
  encoding?: TextEncoding;
  style?: 'ndjson' | 'array' | 'auto';
}

export const jsonParse: NodeType<JsonParseConfig> = {
  type: 'json.parse',
  role: 'transform',
  title: 'Parse JSON',
  description:
    'Reads NDJSON or JSON-array files (gzipped when named .gz) into records; bad lines, and lines with bytes not valid in the encoding, go to "rejected" with file and line.',
  config: {
    type: 'object',
    additionalProperties: false,
    properties: {
      encoding: encodingProperty,
      style: { enum: ['ndjson', 'array', 'auto'], default: 'auto', title: 'Layout' },
    },
  },
  inputs: [{ name: 'files', kind: 'files' }],
  outputs: [
    { name: 'records', kind: 'records' },
    { name: 'rejected', kind: 'records' },
  ],
  create: ({ encoding, ...options }, ctx) => createTextParserNode(() => createJsonParser(options), encoding, ctx),
};
