import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { TransformError } from './errors.ts';

export interface ValidationIssue {
  /** JSON pointer of the offending field, e.g. `/email` or `/address/city`; '' for the record itself. */
  path: string;
  /** What is wrong, e.g. `must match format "email"`. */
  message: string;
  /** The JSON Schema keyword that failed, e.g. `format`, `required`. */
  keyword: string;
}

export type RecordValidator = (record: Record<string, unknown>) => ValidationIssue[] | null;

/**
 * Compiles a JSON Schema (draft 2020-12, with the ajv-formats formats) once and returns a function that
 * lists every problem of a record, or null when it is valid. Types are checked as they are, never
 * coerced. A schema ajv cannot compile (including unknown keywords, which are usually typos) throws
 * `schema-invalid`.
 */
export function createValidator(schema: object): RecordValidator {
  // strictTypes/strictTuples would reject ordinary hand-written schemas; `logger: false` keeps this package silent.
  const ajv = new Ajv2020({
    allErrors: true,
    coerceTypes: false,
    strictTypes: false,
    strictTuples: false,
    logger: false,
  });
  addFormats.default(ajv);
  let validate: ReturnType<typeof ajv.compile>;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new TransformError('schema_invalid', error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
  return (record) => (validate(record) ? null : (validate.errors ?? []).map(toIssue));
}

/** Errors about a missing or unexpected property point at that property, not at the object holding it. */
function toIssue(error: ErrorObject): ValidationIssue {
  const params = error.params as Record<string, unknown>;
  const property = params.missingProperty ?? params.additionalProperty ?? params.unevaluatedProperty;
  const path = typeof property === 'string' ? `${error.instancePath}/${escapePointer(property)}` : error.instancePath;
  return { path, message: error.message ?? `must pass "${error.keyword}"`, keyword: error.keyword };
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
