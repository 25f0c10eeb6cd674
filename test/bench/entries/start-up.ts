/**
 * Entry 15: the CPU a CLI command takes from start to exit (`backflow node-types`, `backflow validate
 * <flow>`), against a bare `node -e ''` measured the same way in the same run, alternating, five a
 * side. CPU time (user + system, from the process itself at exit), not the clock: it says what a start
 * costs whatever else the machine does.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchDir } from '../bench-data.ts';
import { runCliChild } from '../child.ts';
import type { EntryResult, Figure } from '../entry-result.ts';
import { medianTrial, pairTrials, type Trial } from '../timing.ts';

const maxCpuMs = 300;
const repoRoot = path.resolve(benchDir, '../..');

export async function measureStartUp(): Promise<EntryResult[]> {
  const commands: [string, string[]][] = [
    ['node-types', ['node-types', '--json']],
    ['validate', ['validate', path.join(repoRoot, 'examples/warehouse-backup.json')]],
  ];
  const results: EntryResult[] = [];
  // A throwaway working directory, so no command leaves a state store in the checkout.
  const workDir = await mkdtemp(path.join(tmpdir(), 'backflow-bench-start-'));
  try {
    for (const [name, args] of commands) results.push(await measureCommand(name, args, workDir));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return results;
}

async function measureCommand(name: string, args: string[], workDir: string): Promise<EntryResult> {
  const trials = await pairTrials(bareNodeTrial, () => cliTrial(args, workDir), { repetitions: 5, quickMs: 60_000 });
  const ours = cpuFigure(`backflow ${name}`, trials.ours);
  const peer = cpuFigure("node -e ''", trials.peer);
  return {
    entry: `15 start-up: backflow ${name}`,
    ours,
    peer,
    ratio: ours.value / peer.value,
    goal: { text: `≤ ${maxCpuMs} ms of CPU`, pass: ours.value <= maxCpuMs },
    notes: ['CPU time (user + system) of the whole process, start to exit'],
  };
}

/** Here `ms` is CPU time, not the clock. */
async function cliTrial(args: string[], workDir: string): Promise<Trial> {
  const { stderr } = await runCliChild(args, workDir);
  const { cpuMs } = JSON.parse(stderr.trim().split('\n').at(-1) ?? '{}') as { cpuMs: number };
  return { ms: cpuMs };
}

function bareNodeTrial(): Promise<Trial> {
  const script =
    "process.on('exit', () => { const u = process.resourceUsage(); console.log((u.userCPUTime + u.systemCPUTime) / 1000); })";
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
    });
    child.on('error', reject);
    child.on('close', () => resolve({ ms: Number(out.trim()) }));
  });
}

function cpuFigure(label: string, trials: Trial[]): Figure {
  return { label, value: medianTrial(trials).ms, unit: 'ms', samples: trials.map((trial) => trial.ms) };
}
