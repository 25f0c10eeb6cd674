import { afterEach, describe, expect, it } from 'vitest';
import { entryUrl } from './compiled-entry.ts';

describe('entryUrl', () => {
  const saved = process.env.BACKFLOW_BUNDLE_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.BACKFLOW_BUNDLE_DIR;
    else process.env.BACKFLOW_BUNDLE_DIR = saved;
  });

  it('names the source beside the caller when running from sources', () => {
    delete process.env.BACKFLOW_BUNDLE_DIR;
    expect(entryUrl('./parse/csv-worker.ts', 'file:///repo/server/src/nodes/csv-parse.ts').href).toBe(
      'file:///repo/server/src/nodes/parse/csv-worker.ts',
    );
  });

  it('names the compiled entry in the bundle’s directory when running from the bundle', () => {
    process.env.BACKFLOW_BUNDLE_DIR = '/repo/server/dist/build-1';
    expect(entryUrl('./parse/csv-worker.ts', 'file:///repo/server/src/nodes/csv-parse.ts').href).toBe(
      'file:///repo/server/dist/build-1/csv-worker.js',
    );
  });
});
