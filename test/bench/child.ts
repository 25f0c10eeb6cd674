/** Runs benchmark work in a child process, so its peak RSS is its own and not the harness's. */
import { type SpawnOptions, spawn } from 'node:child_process';
import path from 'node:path';
import { benchDir } from './bench-data.ts';

const repoRoot = path.resolve(benchDir, '../..');

/** Runs `node --import tsx <script> <args>` from the repository root; its last stdout line is its JSON report. */
export async function runBenchChild<T>(script: string, args: readonly string[]): Promise<T> {
  const { stdout } = await runNode(
    ['--import', 'tsx', path.join(benchDir, script), ...args],
    { cwd: repoRoot },
    script,
  );
  return JSON.parse(lastLines(stdout, 1)) as T;
}

/**
 * Runs `backflow <args>` through test/bench/cli-child.js in `cwd`, with its state store there too;
 * stderr's last line is the process's peak RSS. Fails with the CLI's own message when it exits non-zero.
 */
export function runCliChild(args: readonly string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return runNode(
    [path.join(benchDir, 'cli-child.js'), ...args],
    { cwd, env: { ...process.env, BACKFLOW_DATA_DIR: path.join(cwd, '.backflow') } },
    `backflow ${args.join(' ')}`,
  );
}

/** `node <args>` to its end, with what it printed; an exit other than 0 throws, naming `what`. */
async function runNode(
  args: readonly string[],
  options: SpawnOptions,
  what: string,
): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`${what} exited with ${code}: ${lastLines(stderr, 6)}\n${lastLines(stdout, 3)}`);
  return { stdout, stderr };
}

export function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n');
}
