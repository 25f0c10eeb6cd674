/**
 * Child process of the benchmarks that report memory: runs the flow document in the JSON file it is
 * given (`runFlowTrial`, in a throwaway directory) and prints, as its last stdout line, the run time,
 * the run summary and the process's peak resident set size.
 * `node --import tsx test/bench/flow-child.ts <flow.json>`
 */
import { readFile } from 'node:fs/promises';
import type { RunSummary } from '../../server/src/service/flow-runner.ts';
import { runFlowTrial } from './flow-run.ts';

export interface FlowChildReport {
  ms: number;
  summary: RunSummary;
  /** Peak RSS of the whole process (Node, tsx, drivers and the run), in bytes. */
  maxRssBytes: number;
}

const file = process.argv[2];
if (file === undefined) throw new Error('usage: flow-child.ts <flow.json>');
const trial = await runFlowTrial(JSON.parse(await readFile(file, 'utf8')));
// resourceUsage reports maxRSS in kibibytes (getrusage's ru_maxrss on Linux).
const report: FlowChildReport = {
  ms: trial.ms,
  summary: trial.summary,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
};
console.log(JSON.stringify(report));
