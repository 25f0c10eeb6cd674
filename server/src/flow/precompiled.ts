import type { ValidateFunction } from 'ajv';

/**
 * The validator the build compiled ahead for one of our schemas (the flow's, a node type's config),
 * so a start of the CLI compiles none: server/bin/build.js replaces this module in the bundle with
 * what precompile.ts generates. From sources there are none, and validate.ts compiles at first use.
 */
export function precompiledValidator(_schema: object): ValidateFunction | undefined {
  return undefined;
}
