/**
 * Build time (server/bin/build.js): our schemas' validators compiled ahead, so a start of the CLI
 * compiles none (ajv's first compile costs a process about 0.1 s of CPU). `validatorsCode` is ajv's
 * standalone code for them, written beside the bundle; `precompiledModule` replaces precompiled.ts in
 * the bundle and loads that file at the first validation. Both list the schemas with
 * `schemasCompiledAhead`, and validators are found by schema object, so only these very schemas match.
 */
import { flowSchema } from '@backflow/flow-model';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { nodeTypes } from '../nodes/registry.ts';
import { createAjv } from './ajv.ts';

/** The flow schema and every node type's config, as validate.ts compiles them. */
export const schemasCompiledAhead = (): object[] => [flowSchema, ...nodeTypes.map((type) => type.config)];

/** A CommonJS module exporting `v0`, `v1`… : the validators of `schemasCompiledAhead()`, in order. */
export function validatorsCode(): string {
  const ajv = createAjv({ validateSchema: false, standalone: true });
  const names = schemasCompiledAhead().map((schema, index) => {
    ajv.addSchema(schema, `v${index}`);
    return `v${index}`;
  });
  return standaloneCode.default(ajv, Object.fromEntries(names.map((name) => [name, name])));
}

/** precompiled.ts as the bundle has it, loading `validatorsFile` (what `validatorsCode` wrote). */
export function precompiledModule(validatorsFile: string): string {
  return `import { createRequire } from 'node:module';
import { schemasCompiledAhead } from './precompile.ts';
let validators;
export function precompiledValidator(schema) {
  if (!validators) {
    const compiled = createRequire(${JSON.stringify(validatorsFile)})(${JSON.stringify(validatorsFile)});
    validators = new Map(schemasCompiledAhead().map((ours, index) => [ours, compiled[\`v\${index}\`]]));
  }
  return validators.get(schema);
}
`;
}
