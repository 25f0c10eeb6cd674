/**
 * CSV throughput: the streaming parser and formatter against raw papaparse on the same generated text.
 * Run from the repository root: `node --import tsx transforms/bench/csv-throughput.ts [megabytes]`.
 */
import Papa from 'papaparse';
import { createCsvFormatter } from '../src/csv-format.ts';
import { createCsvParser } from '../src/csv-parse.ts';

const megabytes = Number(process.argv[2] ?? 50);
const chunkChars = 64 * 1024;
const runs = 5;

/** Mixed rows: plain fields, quoted fields with delimiters, doubled quotes and embedded newlines, empties. */
function generateCsv(targetChars: number): string {
  const rows = ['id,name,email,amount,created_at,note,active\n'];
  let size = rows[0]!.length;
  for (let id = 1; size < targetChars; id++) {
    const note = id % 10 === 0 ? '"said ""hi"", then\nleft"' : id % 7 === 0 ? '"a, b"' : id % 5 === 0 ? '' : `note ${id}`;
    const day = String((id % 28) + 1).padStart(2, '0');
    const row = `${id},Name ${id % 1000},user${id}@example.com,${(id * 1.37).toFixed(2)},2024-01-${day}T10:00:00Z,${note},${id % 2 === 0}\n`;
    rows.push(row);
    size += row.length;
  }
  return rows.join('');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function measure(name: string, sizeChars: number, run: () => number): void {
  const speeds: number[] = [];
  let count = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    count = run();
    speeds.push(sizeChars / 1024 / 1024 / ((performance.now() - started) / 1000));
  }
  console.log(`${name.padEnd(44)} ${median(speeds).toFixed(1).padStart(7)} MB/s (median of ${runs}), ${count} rows`);
}

const text = generateCsv(megabytes * 1024 * 1024);
console.log(`generated ${(text.length / 1024 / 1024).toFixed(1)} MB of CSV`);

measure('papaparse Papa.parse(text, { header: true })', text.length, () => Papa.parse(text, { header: true }).data.length);
measure(`createCsvParser, ${chunkChars / 1024} KiB chunks`, text.length, () => {
  const parser = createCsvParser();
  let count = 0;
  for (let at = 0; at < text.length; at += chunkChars) count += parser.write(text.slice(at, at + chunkChars)).records.length;
  return count + parser.end().records.length;
});

const records = createCsvParser().write(text).records;
const columns = Object.keys(records[0] ?? {});
const formattedSize = createCsvFormatter().rows(records, columns).length;
measure('papaparse Papa.unparse(records)', formattedSize, () => Papa.unparse(records, { newline: '\n' }).length);
measure('createCsvFormatter rows, 10k-record batches', formattedSize, () => {
  const formatter = createCsvFormatter();
  let size = 0;
  for (let at = 0; at < records.length; at += 10_000) size += formatter.rows(records.slice(at, at + 10_000), columns).length;
  return size;
});
