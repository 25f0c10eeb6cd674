/**
 * One timed `runFlow` in-process, in a throwaway directory that is both the flow's base directory
 * and its state store, so runs never share state, output or DuckDB store files.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RunSummary, runFlow } from '../../server/src/service/flow-runner.ts';
import { StateStore } from '../../server/src/store/state-store.ts';
import { lastLines, runCliChild } from './child.ts';
import type { Trial } from './timing.ts';
import { timed } from './timing.ts';

export interface FlowTrial extends Trial {
  summary: RunSummary;
}

/** Times the run alone: opening and closing the store are set-up, not the work being compared. */
export async function runFlowTrial(document: unknown): Promise<FlowTrial> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'backflow-bench-'));
  try {
    const dataDir = path.join(workDir, '.backflow');
    const store = await StateStore.open(dataDir);
    try {
      const { ms, value: summary } = await timed(() => runFlow({ store, document, baseDir: workDir, dataDir }));
      if (summary.status !== 'succeeded') {
        throw new Error(`benchmark flow ${summary.flow} ${summary.status}: ${summary.error?.message ?? 'no error'}`);
      }
      return { ms, summary };
    } finally {
      await store.close();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export interface FlowChildReport {
  /** The run's own duration (the CLI's summary), without the process's start-up. */
  ms: number;
  summary: RunSummary;
  /** Peak RSS of the whole CLI process (Node, drivers and the run), in bytes. */
  maxRssBytes: number;
}

/**
 * The same run as a user makes it, `backflow run flow.json --json` (test/bench/cli-child.js: the CLI's
 * compiled build), in a throwaway directory that holds its state store: for the process's peak RSS.
 */
export async function runFlowInChild(document: unknown): Promise<FlowChildReport> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'backflow-bench-flow-'));
  try {
    await writeFile(path.join(workDir, 'flow.json'), JSON.stringify(document));
    const { stdout, stderr } = await runCliChild(['run', 'flow.json', '--json'], workDir);
    const summary = JSON.parse(stdout) as RunSummary;
    if (summary.status !== 'succeeded') {
      throw new Error(`benchmark flow ${summary.flow} ${summary.status}: ${summary.error?.message ?? 'no error'}`);
    }
    const { maxRssBytes } = JSON.parse(lastLines(stderr, 1)) as { maxRssBytes: number };
    return { ms: summary.durationMs, summary, maxRssBytes };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Rows a node wrote in the run (the count every benchmark checks against its input). */
export function rowsWritten(summary: RunSummary, nodeId: string): number {
  return summary.nodes[nodeId]?.written ?? 0;
}

/** Whether the source handed finished part files to its format node (the COPY pushdown) rather than records. */
export function wasPushedDown(summary: RunSummary, sourceNodeId: string): boolean {
  return summary.edges.some((edge) => edge.from.startsWith(`${sourceNodeId}:`) && edge.files > 0);
}
