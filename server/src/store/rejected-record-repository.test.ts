import { afterEach, describe, expect, it } from 'vitest';
import { closeTempStores, openTempStore } from '../testing/temp-store.ts';

afterEach(closeTempStores);

describe('RejectedRecordRepository', () => {
  it('stores rejected records with their reasons, file, line and the raw text of one that did not parse', async () => {
    const { store } = await openTempStore();
    await store.rejectedRecords.save(
      'r',
      'check',
      [
        {
          record: { email: 'x', note: 'quote " and \n newline' },
          reasons: ['/email must match format "email"'],
          file: 'a.csv',
          line: 7,
        },
        {
          record: null,
          raw: '9,"open, ""quoted"" \u{1F680}',
          reasons: ['a.csv:9: unbalanced quotes'],
          file: 'a.csv',
          line: 9,
        },
      ],
      1,
    );
    const rows = [];
    for await (const row of store.rejectedRecords.list('r', 2)) rows.push(row);
    expect(rows.map(({ at: _at, ...row }) => row)).toEqual([
      {
        nodeId: 'check',
        record: { email: 'x', note: 'quote " and \n newline' },
        reasons: ['/email must match format "email"'],
        file: 'a.csv',
        line: 7,
      },
      {
        nodeId: 'check',
        record: null,
        raw: '9,"open, ""quoted"" \u{1F680}',
        reasons: ['a.csv:9: unbalanced quotes'],
        file: 'a.csv',
        line: 9,
      },
    ]);
  });

  it('drops the rejects of the given nodes stored after a batch, and only those', async () => {
    const { store } = await openTempStore();
    const reject = (line: number) => ({ record: { line }, reasons: ['bad'], file: 'a.csv', line });
    await store.rejectedRecords.save('r', 'parse', [reject(1)], 1);
    await store.rejectedRecords.save('r', 'parse', [reject(2), reject(3)], 2);
    await store.rejectedRecords.save('r', 'check', [reject(4)], 3);
    await store.rejectedRecords.save('other', 'parse', [reject(5)], 3);
    await store.rejectedRecords.discard('r', ['parse', 'check'], 1);
    const lines = async (runId: string) => {
      const found = [];
      for await (const row of store.rejectedRecords.list(runId)) found.push(row.line);
      return found;
    };
    expect(await lines('r')).toEqual([1]);
    expect(await lines('other')).toEqual([5]);
  });
});
