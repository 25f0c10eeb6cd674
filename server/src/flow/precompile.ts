/**
 * Build time (server/bin/build.js): our schemas' validators compiled ahead, so a start of the CLI
 * compiles none (ajv's first compile costs a process about 0.1 s of CPU). `validatorsCode` is ajv's
 * standalone code for them, written beside the bundle; in the bundle, precompiled.ts loads that file
 * at the first validation and pairs its validators with `schemasCompiledAhead()` by position.
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
