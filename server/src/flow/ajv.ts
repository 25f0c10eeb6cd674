import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ErrorDetail } from '../errors.ts';

/**
 * One ajv setup for flows, node configs and API bodies, so every error reads the same. API bodies
 * are checked without defaults, so a saved document is stored exactly as sent. `validateSchema: false`
 * skips checking each schema against the JSON Schema meta-schema, for our own schemas only (the flow's
 * and the node types', which the conformance checks and the API's validator do check): compiling the
 * meta-schema costs a process about 70 ms of CPU. `standalone` keeps each validator's source, for
 * the build to compile ours ahead (precompile.ts).
 */
export function createAjv(
  options: { useDefaults?: boolean; validateSchema?: boolean; standalone?: boolean } = {},
): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    useDefaults: options.useDefaults ?? true,
    validateSchema: options.validateSchema ?? true,
    strict: false,
    ...(options.standalone ? { code: { source: true } } : {}),
  });
  addFormats.default(ajv);
  return ajv;
}

/**
 * Turns ajv errors into `{ path, message }` with a readable dotted path under `prefix`
 * (`nodes[2].config.query: required`). Errors of `oneOf`/`if` wrappers are dropped when a more
 * precise error on the same object explains them. Alternatives that only require fields are said
 * once, at their object (`nodes[2].config: give either query or table`).
 */
export function toErrorDetails(errors: ErrorObject[] | null | undefined, prefix: string): Required<ErrorDetail>[] {
  if (!errors) return [];
  const { alternatives, explained } = unmetAlternatives(errors);
  const details: Required<ErrorDetail>[] = alternatives.map(({ instancePath, message }) => ({
    path: joinPath(prefix, instancePath),
    message,
  }));
  const seen = new Set<string>();
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
 * Each failed `oneOf`/`anyOf` whose branches failed only for want of fields, as one message saying
 * which to give, with the errors it explains: a `required` per branch would each say too much
 * (neither `query` nor `table` is required; one of them is).
 */
function unmetAlternatives(errors: ErrorObject[]): {
  alternatives: { instancePath: string; message: string }[];
  explained: Set<ErrorObject>;
} {
  const alternatives: { instancePath: string; message: string }[] = [];
  const explained = new Set<ErrorObject>();
  for (const wrapper of errors) {
    if (wrapper.keyword !== 'oneOf' && wrapper.keyword !== 'anyOf') continue;
    const inside = errors.filter((e) => e.schemaPath.startsWith(`${wrapper.schemaPath}/`));
    const branchOf = (error: ErrorObject) =>
      error.keyword === 'required' && error.instancePath === wrapper.instancePath
        ? /^(\d+)\/required$/.exec(error.schemaPath.slice(wrapper.schemaPath.length + 1))?.[1]
        : undefined;
    if (inside.length === 0 || inside.some((error) => branchOf(error) === undefined)) continue;
    const branches = new Map<string, string[]>();
    for (const error of inside) {
      const branch = branchOf(error)!;
      branches.set(branch, [...(branches.get(branch) ?? []), String(error.params.missingProperty)]);
    }
    const choices = [...branches.values()].map((fields) => fields.join(' and ')).join(' or ');
    const rule = wrapper.keyword === 'oneOf' ? 'either' : 'at least one of';
    alternatives.push({ instancePath: wrapper.instancePath, message: `give ${rule} ${choices}` });
    for (const error of [wrapper, ...inside]) explained.add(error);
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
