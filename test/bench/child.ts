/** Runs a benchmark script in a child process, so its peak RSS is its own and not the harness's. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { benchDir } from './bench-data.ts';

const repoRoot = path.resolve(benchDir, '../..');

/** Runs `node --import tsx <script> <args>` from the repository root; its last stdout line is its JSON report. */
export async function runBenchChild<T>(script: string, args: readonly string[]): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(benchDir, script), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`${script} exited with ${code}: ${lastLines(stderr, 6)}`);
  return JSON.parse(lastLines(stdout, 1)) as T;
}

export function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n');
}
