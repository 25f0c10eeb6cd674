// @ts-check
/**
 * Runs the backflow CLI (server/bin/backflow.js, its compiled build) in this process, as a user runs it,
 * with the arguments given to this script, and writes the process's peak RSS and CPU time as the last
 * line of stderr when it exits: the benchmarks measure the product, not a harness around it.
 * `node test/bench/cli-child.js run flow.json --json`
 */
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../server/bin/backflow.js', import.meta.url));
process.argv = [process.argv[0] ?? process.execPath, bin, ...process.argv.slice(2)];
process.on('exit', () => {
  // resourceUsage reports maxRSS in kibibytes (getrusage's ru_maxrss on Linux).
  const usage = process.resourceUsage();
  const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
  process.stderr.write(`\n${JSON.stringify({ maxRssBytes: usage.maxRSS * 1024, cpuMs })}\n`);
});
await import(bin);
