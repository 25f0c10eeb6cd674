import type { NodeType } from '../node-kit/contract.ts';
import { csvFormat } from './csv-format.ts';
import { csvParse } from './csv-parse.ts';
import { filterNode } from './filter.ts';
import { jsonFormat } from './json-format.ts';
import { jsonParse } from './json-parse.ts';
import { mapNode } from './map.ts';
import { parquetFormat } from './parquet-format.ts';
import { schemaValidate } from './schema-validate.ts';

/**
 * The transforms, in palette order: a module of its own (no connector in it) so a worker thread that
 * runs chains of them (engine/parallel/) loads only these.
 */
export const transformTypes: readonly NodeType[] = [
  csvParse,
  jsonParse,
  schemaValidate,
  mapNode,
  filterNode,
  csvFormat,
  jsonFormat,
  parquetFormat,
];
