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

const cli = (args: string[], cwd: string, buildDir: string) =>
  spawnCliWithEnv(args, cwd, { BACKFLOW_BUILD_DIR: buildDir }).done;
const nodeTypes = (cwd: string, buildDir: string) => cli(['node-types'], cwd, buildDir);

/** A flow whose document is well formed but wrong in most other ways: configs, schedule, types, a cycle. */
const brokenFlow = {
  name: 'broken-flow',
  schedule: { cron: '0 2 31 2 *', timezone: 'Mars/Olympus' },
  nodes: [
    { id: 'orders', type: 'duckdb.source', config: { path: 'demo/warehouse.duckdb', limit: 'ten' } },
    { id: 'as-csv', type: 'csv.format', config: { rowsPerFile: -1, gzip: 'yes', delimiter: ',,' } },
    { id: 'archive', type: 'files.destination', config: { dir: 7, colour: 'blue' } },
    { id: 'nowhere', type: 'no.such.type', config: {} },
  ],
  edges: [
    { from: 'orders', to: 'as-csv' },
    { from: 'as-csv', to: 'archive' },
    { from: 'archive', to: 'orders' },
  ],
};

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

  it('prints what the TypeScript sources print (through tsx when no build can be written), its validation issues included', async () => {
    const cwd = await workDir('cli-build');
    const notADirectory = path.join(cwd, 'file');
    await writeFile(notADirectory, '');
    await writeFile(path.join(cwd, 'broken.json'), JSON.stringify(brokenFlow));
    const malformed = { ...brokenFlow, name: 'broken flow!', nodes: [{ ...brokenFlow.nodes[0], extra: true }] };
    await writeFile(path.join(cwd, 'malformed.json'), JSON.stringify(malformed));
    await writeFile(path.join(cwd, 'valid.json'), await readFile(path.join(repoRoot, 'examples/csv-to-duckdb.json')));
    const commands = [
      ['node-types', '--json'],
      ['validate', 'broken.json', '--json'],
      ['validate', 'malformed.json', '--json'],
      ['validate', 'valid.json'],
    ];
    const buildDir = freshBuildDir();
    for (const args of commands) {
      const [compiled, fromSources] = await Promise.all([
        cli(args, cwd, buildDir),
        cli(args, cwd, path.join(notADirectory, 'dist')),
      ]);
      expect(compiled).toEqual(fromSources);
    }
    const issues = JSON.parse((await cli(commands[1] as string[], cwd, buildDir)).stdout).issues as { path: string }[];
    expect(issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['nodes[1].config.rowsPerFile', 'nodes[2].config.colour', 'schedule.timezone']),
    );
  });
});
