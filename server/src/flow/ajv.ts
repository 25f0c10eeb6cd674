import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ErrorDetail } from '../errors.ts';

/**
 * One ajv setup for flows, node configs and API bodies, so every error reads the same. API bodies
 * are checked without defaults, so a saved document is stored exactly as sent.
 */
export function createAjv(options: { useDefaults?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, useDefaults: options.useDefaults ?? true, strict: false });
  addFormats.default(ajv);
  return ajv;
}

/**
 * Turns ajv errors into `{ path, message }` with a readable dotted path under `prefix`
 * (`nodes[2].config.query: required`). Errors of `oneOf`/`if` wrappers are dropped when a more
 * precise error on the same object explains them.
 */
export function toErrorDetails(errors: ErrorObject[] | null | undefined, prefix: string): Required<ErrorDetail>[] {
  if (!errors) return [];
  const details: Required<ErrorDetail>[] = [];
  const seen = new Set<string>();
  const { alternatives, explained } = requiredAlternatives(errors);
  for (const { instancePath, fields } of alternatives) {
    details.push({ path: joinPath(prefix, instancePath), message: `give ${fields.join(' or ')}` });
  }
  const remaining = errors.filter((e) => !explained.has(e));
  const precise = remaining.filter((e) => !['oneOf', 'anyOf', 'if', 'not'].includes(e.keyword));
  for (const error of precise.length > 0 || alternatives.length > 0 ? precise : remaining) {
    let path = joinPath(prefix, error.instancePath);
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required') {
      path = joinPath(path, `/${String(error.params.missingProperty)}`);
      message = 'required';
    } else if (error.keyword === 'additionalProperties') {
      path = joinPath(path, `/${String(error.params.additionalProperty)}`);
      message = 'unknown field';
    } else if (error.keyword === 'enum') {
      message = `must be one of: ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    }
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    details.push({ path, message });
  }
  return details;
}

/**
 * A `oneOf`/`anyOf` whose every branch failed only for a missing field (`expression` or `where`)
 * means "give one of them": one issue saying so, not one "required" per alternative.
 */
function requiredAlternatives(errors: ErrorObject[]) {
  const alternatives: { instancePath: string; fields: string[] }[] = [];
  const explained = new Set<ErrorObject>();
  for (const wrapper of errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')) {
    const branches = errors.filter((e) => e !== wrapper && e.schemaPath.startsWith(`${wrapper.schemaPath}/`));
    if (branches.length < 2 || !branches.every((e) => e.keyword === 'required')) continue;
    alternatives.push({
      instancePath: wrapper.instancePath,
      fields: [...new Set(branches.map((e) => String(e.params.missingProperty)))],
    });
    explained.add(wrapper);
    for (const branch of branches) explained.add(branch);
  }
  return { alternatives, explained };
}

/** `/nodes/2/config/query` under `prefix` → `prefix.nodes[2].config.query`. */
function joinPath(prefix: string, pointer: string): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((raw) => raw.replaceAll('~1', '/').replaceAll('~0', '~'));
  return fieldPath(prefix, segments);
}

/**
 * Array indices and object keys under `prefix` as an issue path: `prefix.nodes[2].config["odd key"]`.
 * A key of digits reads as an index, as in ajv's JSON pointers, so one place has one path.
 */
export function fieldPath(prefix: string, segments: readonly (string | number)[]): string {
  let path = prefix;
  for (const segment of segments) {
    if (typeof segment === 'number' || /^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}
