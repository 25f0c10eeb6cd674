/**
 * A DuckDB file as another process sees it while (and after) Backflow uses it: each check runs a
 * second Node process, so they live here rather than beside database.ts and source.ts.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import path, { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { connectDatabase, disconnect } from '../../server/src/connectors/duckdb/database.ts';
import { ensureDemoWarehouse } from '../../server/src/demo/warehouse.ts';
import { temporaryDirectory } from '../../server/src/testing/node-context.ts';
import { repoRoot } from './support.ts';

const run = promisify(execFile);

/** Opens `file` in a separate Node process and prints `count(*)` of table t, or the error. */
async function countInAnotherProcess(file: string, readOnly = false): Promise<string> {
  const options = readOnly ? "{ access_mode: 'READ_ONLY' }" : '{}';
  const script = `require('@duckdb/node-api').DuckDBInstance.create(process.argv[1], ${options})
    .then((instance) => instance.connect())
    .then((connection) => connection.runAndReadAll('SELECT count(*) FROM t'))
    .then((reader) => console.log(reader.getRowsJson()[0][0]), (error) => console.log(error.message))`;
  const { stdout } = await run(process.execPath, ['-e', script, file], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
  });
  return stdout.trim();
}

describe('opening databases', () => {
  it('releases the file with its last connection, so another process (the DuckDB CLI) can open it', async () => {
    const file = join(await temporaryDirectory(), 'released.duckdb');
    const first = await connectDatabase(file, { mustExist: false, nodeId: 'a' });
    const second = await connectDatabase(file, { mustExist: true, nodeId: 'b' });
    await first.run('CREATE TABLE t AS SELECT 7 AS x');
    disconnect(first);
    expect(await countInAnotherProcess(file)).toMatch(/Could not set lock on file/);
    disconnect(second);
    expect(await countInAnotherProcess(file)).toBe('1');
  });

  it('opens a source read-only, so another process can read the file during the run', async () => {
    const file = join(await temporaryDirectory(), 'shared-read.duckdb');
    const writer = await connectDatabase(file, { mustExist: false, nodeId: 'setup' });
    await writer.run('CREATE TABLE t AS SELECT 7 AS x');
    disconnect(writer);
    const reader = await connectDatabase(file, { mustExist: true, nodeId: 'src', readOnly: true, runId: 'r1' });
    expect(await countInAnotherProcess(file, true)).toBe('1');
    await expect(connectDatabase(file, { mustExist: true, nodeId: 'dst', runId: 'r1' })).rejects.toThrow(
      'is open read-only for a source of this run',
    );
    disconnect(reader);
  });
});

describe('duckdb.source', () => {
  // A read closed before its streaming result is exhausted (a records preview, a cancelled run) must
  // not stop the next open of the file (DuckDB's instance cache waited forever there). In a child
  // process, so a hang is killed instead of spinning a core.
  it('reads the same DuckDB file again after a read that stopped early', async () => {
    const baseDir = await temporaryDirectory();
    await ensureDemoWarehouse(path.join(baseDir, 'demo/warehouse.duckdb'));
    const source = path.join(repoRoot, 'server/src/connectors/duckdb/source.ts');
    const script = `
      const { duckdbSource } = await import(${JSON.stringify(pathToFileURL(source).href)});
      console.log('loaded');
      const baseDir = process.argv[1];
      const context = { runId: 'r', flowName: 'f', nodeId: 'orders', runDate: '2026-11-24', tempDir: baseDir, baseDir,
        signal: new AbortController().signal, log: { info() {}, warn() {}, error() {} }, batchSize: 5 };
      for (let i = 0; i < 8; i++) {
        const reader = duckdbSource.read({ path: 'demo/warehouse.duckdb', table: 'orders', key: 'order_id' }, context);
        const iterator = reader[Symbol.asyncIterator]();
        await iterator.next();
        await iterator.return();
        console.log('read', i + 1);
      }
      console.log('read 8 times');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, baseDir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Loading tsx and DuckDB may take long on a busy machine, so the watchdog starts generous; once
    // loaded, a read takes well under a second, and one that makes no progress for 10 s is stuck.
    let stdout = '';
    let watchdog = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      clearTimeout(watchdog);
      watchdog = setTimeout(() => child.kill('SIGKILL'), 10_000);
    });
    const [code] = (await once(child, 'close')) as [number | null];
    clearTimeout(watchdog);
    expect(stdout.trim().split('\n').at(-1)).toBe('read 8 times');
    expect(code).toBe(0);
  });
});
