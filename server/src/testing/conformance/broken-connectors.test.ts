/**
 * The suite's own tests: two deliberately broken connectors fail it, saying why, and their fixed
 * twins pass. A suite that passed them all would prove nothing.
 */
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { defineDestination, defineSource, type Rec } from '../../node-kit/contract.ts';
import { temporaryDirectory } from '../node-context.ts';
import { checkDiscover, checkKillAndResume, checkReplay, conformanceBatchSize, recordItem } from './checks.ts';
import type { DestinationHarness, SourceHarness } from './harness.ts';

const rows: Rec[] = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, name: `row ${i + 1}` }));

/** Rows 1..40 by id; resumed, it starts after the cursor, or (broken) one batch further on. */
function countingSource(skipsABatchOnResume: boolean) {
  return defineSource({
    type: skipsABatchOnResume ? 'skipping.source' : 'counting.source',
    title: 'Counting source',
    description: 'Rows 1..40',
    config: Type.Object({}),
    outputs: [{ name: 'records', kind: 'records' }],
    async *read(_config, ctx) {
      let next = typeof ctx.resumeCursor === 'number' ? ctx.resumeCursor + 1 : 1;
      if (skipsABatchOnResume && ctx.resumeCursor !== undefined) next += ctx.batchSize;
      while (next <= rows.length) {
        const records = rows.slice(next - 1, next - 1 + ctx.batchSize);
        next += records.length;
        yield { kind: 'records', stream: 'rows', records, cursor: next - 1 };
      }
    },
  });
}

/** The counting source with a discover that lists `streams` (the one it reads is `rows`). */
function discoveringSource(streams: { name: string; columns: { name: string; type: string }[] }[]) {
  return { ...countingSource(false), discover: async () => streams };
}

function sourceHarness(skipsABatchOnResume: boolean): SourceHarness<Record<string, never>> {
  return {
    type: countingSource(skipsABatchOnResume),
    setUp: async () => ({ config: {}, expected: rows.map(recordItem) }),
    refused: async () => ({}),
  };
}

/**
 * Stages records per batch and shows them once committed. A resume drops what was staged after the
 * checkpoint before the replay, or (broken) keeps it, so a replayed batch lands twice.
 */
function stagingDestination(keepsReplayedBatches: boolean): DestinationHarness<Record<string, never>> {
  const staged: { seq: number; record: Rec }[] = [];
  const shown: Rec[] = [];
  const type = defineDestination({
    type: keepsReplayedBatches ? 'doubling.destination' : 'staging.destination',
    title: 'Staging destination',
    description: 'Keeps records in memory',
    config: Type.Object({}),
    publishes: 'staged',
    inputs: [{ name: 'records', kind: 'records' }],
    async open(_config, ctx) {
      if (!keepsReplayedBatches && ctx.resumeSeq !== undefined) {
        const kept = staged.filter((entry) => entry.seq <= ctx.resumeSeq!);
        staged.splice(0, staged.length, ...kept);
      }
      return {
        async write(payload, seq) {
          if (payload.kind === 'records') for (const record of payload.records) staged.push({ seq, record });
        },
        async prepare() {},
        async commit() {
          shown.push(...staged.map((entry) => entry.record));
          staged.length = 0;
        },
      };
    },
  });
  return {
    type,
    setUp: async () => ({
      config: {},
      payloads: [0, 1, 2, 3, 4].map((b) => ({
        kind: 'records' as const,
        stream: 'rows',
        records: rows.slice(b * 8, b * 8 + 8),
      })),
      readBack: async () => shown.map(recordItem),
    }),
    refused: async () => ({}),
  };
}

describe('the conformance suite', () => {
  it('fails a source that skips a batch on resume, naming what was lost', async () => {
    const dir = await temporaryDirectory();
    await expect(checkKillAndResume('skipping', sourceHarness(true), dir)).rejects.toThrow(
      new RegExp(
        `skipping: skipping.source kill and resume: killed after batch \\d+ of 6 .*: ${conformanceBatchSize} item\\(s\\) lost, 0 item\\(s\\) read twice`,
      ),
    );
    await expect(checkKillAndResume('counting', sourceHarness(false), dir)).resolves.toBeUndefined();
  });

  it('fails a destination that writes a replayed batch twice, naming the duplicates', async () => {
    const dir = await temporaryDirectory();
    await expect(checkReplay('doubling', stagingDestination(true), dir)).rejects.toThrow(
      /doubling: doubling.destination replay after a crash: crashed after batch \d, resumed from the checkpoint of batch \d: 0 item\(s\) lost, [1-9]\d* item\(s\) written twice \(declares staged\)/,
    );
    await expect(checkReplay('staging', stagingDestination(false), dir)).resolves.toBeUndefined();
  });

  it('fails a discover that leaves out or gives no columns to a stream the source reads; others may go without', async () => {
    const dir = await temporaryDirectory();
    const rowsStream = { name: 'rows', columns: [{ name: 'id', type: 'INTEGER' }] };
    const listed = { name: 'other', columns: [] };
    await expect(checkDiscover('hiding', discoveringSource([listed]), dir, {})).rejects.toThrow(
      /hiding: counting.source discover: stream "rows" is read but not discovered/,
    );
    await expect(checkDiscover('bare', discoveringSource([{ name: 'rows', columns: [] }]), dir, {})).rejects.toThrow(
      /stream "rows" has no columns/,
    );
    await expect(checkDiscover('listing', discoveringSource([rowsStream, listed]), dir, {})).resolves.toBeUndefined();
  });

  it('picks the kill point from the seed, so each connector is killed somewhere else and a failure replays', async () => {
    const dir = await temporaryDirectory();
    const points = new Set<string>();
    for (const seed of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const failure = await checkKillAndResume('skipping', sourceHarness(true), dir, seed).catch(
        (e: Error) => e.message,
      );
      points.add(String(failure).match(/killed after batch (\d+)/)?.[1] ?? 'none');
    }
    expect(points.size).toBeGreaterThan(1);
  });
});
