/**
 * A run's rejected records as a download: NDJSON (every field as stored) or CSV (one row per record,
 * for a spreadsheet). Rows are pulled from the store a page at a time as the client reads, so a run
 * with millions of rejects streams in bounded memory.
 */
import { createCsvFormatter } from '@backflow/transforms';
import type { RejectedRow } from '../store/rejected-record-repository.ts';

export const rejectedFormats = {
  ndjson: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8',
} as const;

export type RejectedFormat = keyof typeof rejectedFormats;

/** The CSV columns, in order: where the record failed, why, the record as JSON, and the raw text of one that did not parse. */
const csvColumns = ['nodeId', 'at', 'file', 'line', 'reasons', 'record', 'raw'];

/** Rows written per chunk of the response. */
const rowsPerChunk = 500;

export function rejectedBody(rows: AsyncGenerator<RejectedRow>, format: RejectedFormat): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  // Rejected data is whatever the input held: a cell a spreadsheet would run as a formula is escaped.
  const csv = createCsvFormatter({ escapeFormulae: true });
  const render = (batch: RejectedRow[]): string =>
    format === 'ndjson'
      ? batch.map((row) => `${JSON.stringify(row)}\n`).join('')
      : csv.rows(
          batch.map((row) => ({
            ...row,
            reasons: row.reasons.join('; '),
            record: row.record === null ? null : JSON.stringify(row.record),
          })),
          csvColumns,
        );
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let text = started || format === 'ndjson' ? '' : csv.header(csvColumns);
      started = true;
      const batch: RejectedRow[] = [];
      let done = false;
      while (batch.length < rowsPerChunk) {
        const next = await rows.next();
        if (next.done) {
          done = true;
          break;
        }
        batch.push(next.value);
      }
      text += render(batch);
      if (text !== '') controller.enqueue(encoder.encode(text));
      if (done) controller.close();
    },
    async cancel() {
      await rows.return(undefined);
    },
  });
}
