import { createJsonParser } from '@backflow/transforms';
import { Type } from '@sinclair/typebox';
import { defineTransform } from '../node-kit/contract.ts';
import { oneOf } from '../node-kit/schema.ts';
import { createTextParserNode, encodingProperty } from './parse/text-parser-node.ts';

export const jsonParse = defineTransform({
  type: 'json.parse',
  title: 'Parse JSON',
  description:
    'Reads NDJSON or JSON-array files (gzipped when named .gz) into records; bad lines, and lines with bytes not valid in the encoding, go to "rejected" with file and line.',
  config: Type.Object(
    {
      encoding: encodingProperty,
      style: Type.Optional(oneOf(['ndjson', 'array', 'auto'], { default: 'auto', title: 'Layout' })),
    },
    { additionalProperties: false },
  ),
  inputs: [{ name: 'files', kind: 'files' }],
  outputs: [
    { name: 'records', kind: 'records' },
    { name: 'rejected', kind: 'records' },
  ],
  create: ({ encoding, ...options }, ctx) => createTextParserNode(() => createJsonParser(options), encoding, ctx),
});
