/**
 * A sandbox of test/sandboxes/ run as its own process (`npm run sandbox -- <name> --port 0 …`), so
 * its work does not share the benchmark's event loop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { benchDir } from './bench-data.ts';

export interface SandboxProcess {
  url: string;
  child: ChildProcess;
}

const repoRoot = path.resolve(benchDir, '../..');

/** Starts the sandbox `name` with `args`; resolves once it prints its URL. */
export function startSandboxProcess(name: string, args: readonly string[] = []): Promise<SandboxProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/sandboxes/cli.ts', name, '--port', '0', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let printed = '';
    const timer = setTimeout(() => reject(new Error(`the ${name} sandbox did not start within 30 s`)), 30_000);
    child.once('exit', (code) => reject(new Error(`the ${name} sandbox exited (${code}) before listening`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      const url = /listening on (\S+)/.exec(printed)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ url, child });
      }
    });
  });
}

export async function stopSandboxProcess(sandbox: SandboxProcess): Promise<void> {
  if (sandbox.child.exitCode !== null) return;
  const exited = new Promise((resolve) => sandbox.child.once('exit', resolve));
  sandbox.child.kill('SIGTERM');
  await exited;
}
