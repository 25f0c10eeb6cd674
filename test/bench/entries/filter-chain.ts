/**
 * Entry 9: a filter of 20,000 `or` terms (`amount = 0 or amount = 2 or …`), compiled once and run on
 * 100 records near the chain's end, so nearly every term is tried: about 2 million comparisons. The
 * chain is one loop, not 20,000 nested calls, so this takes well under a second (goal: 1 s). The peer
 * is the same test hand-written in JavaScript: a loop over the 20,000 numbers. Both sides must keep
 * exactly the same 49 records. (transforms/src/filter.test.ts checks which records a chain keeps.)
 */
import { compileFilter } from '../../../transforms/src/filter.ts';
import type { EntryResult } from '../entry-result.ts';
import { pairTrials, type Trial, timed } from '../timing.ts';
import { timeFigure } from './duckdb-export.ts';

const terms = 20_000;
const goalMs = 1000;
/** 40,000 down to 39,901: the even ones match the chain's last terms. */
const records = Array.from({ length: 100 }, (_, i) => ({ amount: 40_000 - i }));
const expectedKept = Array.from({ length: 49 }, (_, i) => 39_998 - i * 2).join();

interface FilterTrial extends Trial {
  kept: string;
}

export async function measureFilterChain(): Promise<EntryResult> {
  const expression = Array.from({ length: terms }, (_, i) => `amount = ${i * 2}`).join(' or ');
  const keep = compileFilter({ expression });
  const values = Array.from({ length: terms }, (_, i) => i * 2);
  const byHand = (record: { amount: number }) => {
    for (const value of values) if (record.amount === value) return true;
    return false;
  };
  // Many rounds a side: one round takes about a tenth of a second, where timer noise and JIT warm-up weigh.
  const trials = await pairTrials(
    () => filterTrial(byHand),
    () => filterTrial(keep),
    { repetitions: 7, quickMs: 30_000 },
  );
  for (const trial of [...trials.peer, ...trials.ours]) {
    if (trial.kept !== expectedKept) throw new Error(`9 filter chain kept ${trial.kept}, expected ${expectedKept}`);
  }
  const ours = timeFigure(`compileFilter, ${terms.toLocaleString('en')} or terms`, trials.ours);
  const peer = timeFigure('a JavaScript loop over the same numbers', trials.peer);
  return {
    entry: '9 filter: 20,000 or terms × 100 records',
    ours,
    peer,
    ratio: ours.value / peer.value,
    goal: { text: `ours ≤ ${goalMs} ms`, pass: ours.value <= goalMs },
    notes: [
      `${records.length} records, about 2 million comparisons a side; slowest trial ${Math.max(...ours.samples).toFixed(0)} ms`,
    ],
  };
}

async function filterTrial(keep: (record: { amount: number }) => boolean): Promise<FilterTrial> {
  const { ms, value } = await timed(async () => records.filter(keep).map((record) => record.amount));
  return { ms, kept: value.join() };
}
