#!/usr/bin/env node
// @ts-check
// Runs the CLI's compiled JavaScript (server/bin/build.js: built on install, rebuilt here when a source
// is newer); from the TypeScript sources through tsx when it cannot be built.
import { pathToFileURL } from 'node:url';
import { compiledEntry } from './build.js';

const cli = await compiledEntry('src/cli.ts');
if (cli) {
  // Stack traces name the .ts sources (the bundle's linked source map).
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(cli).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
