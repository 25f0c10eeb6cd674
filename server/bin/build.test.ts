import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../src/testing/node-context.ts';
import { newestSourceTime, upToDateBuild } from './build.js';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
// A day ahead, so build.js itself (which counts as a source) is older than the build too.
const builtAt = Math.floor(Date.now() / 1000) * 1000 + 86_400_000;
const before = new Date(builtAt - 60_000);
const after = new Date(builtAt + 60_000);

/** A source tree whose files and directories are all older than the build, and a build of it. */
async function builtTree() {
  const root = await temporaryDirectory();
  const sources = join(root, 'src');
  const buildDir = join(root, 'dist');
  mkdirSync(join(sources, 'nodes'), { recursive: true });
  for (const file of ['cli.ts', 'nodes/map.ts', 'nodes/map.test.ts']) writeFileSync(join(sources, file), '');
  for (const file of ['nodes/map.ts', 'nodes/map.test.ts', 'cli.ts', 'nodes', '.']) {
    utimesSync(join(sources, file), before, before);
  }
  mkdirSync(join(buildDir, 'build-1'), { recursive: true });
  const stamp = (fields: object = {}) =>
    writeFileSync(
      join(buildDir, 'current.json'),
      JSON.stringify({ build: 'build-1', sourcesBefore: builtAt, serverDir, ...fields }),
    );
  stamp();
  return { sources, buildDir, stamp };
}

describe('the bin’s staleness check', () => {
  it('uses the current build while every source is older than it', async () => {
    const { sources, buildDir } = await builtTree();
    expect(newestSourceTime([sources])).toBe(before.getTime());
    expect(upToDateBuild(buildDir, [sources])).toBe(join(buildDir, 'build-1'));
  });

  it('rebuilds after a source file is edited in place, however deep', async () => {
    const { sources, buildDir } = await builtTree();
    utimesSync(join(sources, 'nodes/map.ts'), after, after);
    expect(newestSourceTime([sources])).toBe(after.getTime());
    expect(upToDateBuild(buildDir, [sources])).toBeUndefined();
  });

  it('rebuilds after a source file is deleted (its directory changed)', async () => {
    const { sources, buildDir } = await builtTree();
    rmSync(join(sources, 'nodes/map.ts'));
    utimesSync(join(sources, 'nodes'), after, after);
    expect(upToDateBuild(buildDir, [sources])).toBeUndefined();
  });

  it('ignores an edited test file, which no bundle holds', async () => {
    const { sources, buildDir } = await builtTree();
    utimesSync(join(sources, 'nodes/map.test.ts'), after, after);
    expect(upToDateBuild(buildDir, [sources])).toBe(join(buildDir, 'build-1'));
  });

  it('builds when there is no build, its directory is gone, or it was built in another checkout', async () => {
    const { sources, buildDir, stamp } = await builtTree();
    stamp({ serverDir: '/elsewhere/server/' });
    expect(upToDateBuild(buildDir, [sources])).toBeUndefined();
    stamp({ build: 'build-0' });
    expect(upToDateBuild(buildDir, [sources])).toBeUndefined();
    rmSync(join(buildDir, 'current.json'));
    expect(upToDateBuild(buildDir, [sources])).toBeUndefined();
  });
});
