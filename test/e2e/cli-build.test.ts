import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { repoRoot, spawnCliWithEnv, workDir } from './support.ts';

/** A build directory of the test's own, inside the checkout (a bundle finds node_modules from there). */
function freshBuildDir(): string {
  const dir = path.join(repoRoot, 'server/dist', `test-${randomUUID()}`);
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const nodeTypes = (cwd: string, buildDir: string, json = false) =>
  spawnCliWithEnv(['node-types', ...(json ? ['--json'] : [])], cwd, { BACKFLOW_BUILD_DIR: buildDir }).done;

describe('the bin’s compiled JavaScript', () => {
  it('is built by the first CLIs to start, three at once, and used as it is by the next', async () => {
    const cwd = await workDir('cli-build');
    const buildDir = freshBuildDir();
    const first = await Promise.all([1, 2, 3].map(() => nodeTypes(cwd, buildDir)));
    for (const result of first) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^duckdb\.destination +destination +DuckDB/m);
    }
    expect(new Set(first.map((result) => result.stdout)).size).toBe(1);

    const current = JSON.parse(await readFile(path.join(buildDir, 'current.json'), 'utf8')) as { build: string };
    expect(existsSync(path.join(buildDir, current.build, 'cli.js'))).toBe(true);
    const again = await nodeTypes(cwd, buildDir);
    expect(again.stdout).toBe(first[0]?.stdout);
    expect(JSON.parse(await readFile(path.join(buildDir, 'current.json'), 'utf8'))).toEqual(current);
  });

  it('prints what the TypeScript sources print, which run through tsx when no build can be written', async () => {
    const cwd = await workDir('cli-build');
    const notADirectory = path.join(cwd, 'file');
    await writeFile(notADirectory, '');
    const [compiled, fromSources] = await Promise.all([
      nodeTypes(cwd, freshBuildDir(), true),
      nodeTypes(cwd, path.join(notADirectory, 'dist'), true),
    ]);
    expect(fromSources.code).toBe(0);
    expect(compiled.code).toBe(0);
    expect(JSON.parse(compiled.stdout).length).toBeGreaterThan(20);
    expect(compiled.stdout).toBe(fromSources.stdout);
  });
});
