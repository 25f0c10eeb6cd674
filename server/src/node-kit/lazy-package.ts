import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A CommonJS package loaded at its first use rather than at every start of the CLI, for code that
 * cannot await: `const duckdb = lazyPackage<typeof import('@duckdb/node-api')>('@duckdb/node-api')`,
 * then `duckdb().DuckDBTypeId`. Code that can await writes `await import('pg')` instead.
 */
export function lazyPackage<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(name) as T;
    return loaded;
  };
}
