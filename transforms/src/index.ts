export { CAST_COLUMN_TYPES, CAST_TYPES, type CastResult, type CastType, castValue } from './cast.ts';
export { type CsvDialect, resolveCsvDialect } from './csv-dialect.ts';
export { type CsvFormatOptions, type CsvFormatter, createCsvFormatter } from './csv-format.ts';
export {
  type CsvCarryOver,
  type CsvChunkResult,
  type CsvErrorCode,
  type CsvParseOptions,
  type CsvParser,
  type CsvPieceStart,
  type CsvRecord,
  type CsvRowError,
  createCsvParser,
} from './csv-parse.ts';
export { CsvPieceCutter } from './csv-piece-cutter.ts';
export { TransformError, type TransformErrorCode, type TransformErrorContext } from './errors.ts';
export { parseExactJson, stringifyExactJson } from './exact-json.ts';
export { ownField, readField, writeField } from './field-path.ts';
export {
  createFileDecoder,
  type DecodedText,
  type FileDecoder,
  type InvalidBytes,
  TEXT_ENCODINGS,
  type TextEncoding,
} from './file-decoder.ts';
export {
  compileFilter,
  type FilterConfig,
  type RecordFilter,
  type WhereCondition,
  type WhereOperator,
} from './filter.ts';
export { compareValues, compileExpression, type Evaluator } from './filter-evaluate.ts';
export {
  type CompareOperator,
  type Expression,
  FUNCTIONS,
  type FunctionName,
  parseExpression,
} from './filter-expression.ts';
export { createJsonFormatter, type JsonFormatOptions, type JsonFormatter } from './json-format.ts';
export { createJsonParser, type JsonChunkResult, type JsonParseOptions, type JsonParser } from './json-parse.ts';
export {
  createJsonArraySplitter,
  createNdjsonSplitter,
  type JsonErrorCode,
  type JsonRecordText,
  type JsonRowError,
  type JsonSplit,
  type JsonSplitter,
} from './json-splitters.ts';
export { type Column, createMapper, type MapConfig, type Mapper, type MapResult } from './map.ts';
export { compileRecordLiteral } from './record-literal.ts';
export { compileTemplate, type Template } from './template.ts';
export { createValidator, type RecordValidator, type ValidationIssue } from './validate.ts';
export { valueToText } from './value-text.ts';
