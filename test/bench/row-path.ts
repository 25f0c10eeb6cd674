/** Runs the row-path backup in a child process, so its peak RSS is its own and not the harness's. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { benchDir } from './bench-data.ts';
import type { RowPathReport } from './row-path-child.ts';

const repoRoot = path.resolve(benchDir, '../..');
const childScript = path.join(benchDir, 'row-path-child.ts');

export async function runRowPathChild(database: string): Promise<RowPathReport> {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, database], {
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
  if (code !== 0) throw new Error(`row-path child exited with ${code}: ${lastLines(stderr, 6)}`);
  return JSON.parse(lastLines(stdout, 1)) as RowPathReport;
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n');
}
