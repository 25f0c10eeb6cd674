/**
 * CSV throughput: the streaming parser and formatter against raw papaparse on the same generated text.
 * Run from the repository root: `node --import tsx transforms/bench/csv-throughput.ts [megabytes]`.
 * MB here are millions of UTF-16 characters (2^20), which for this ASCII text are bytes.
 */
import Papa from 'papaparse';
import { createCsvFormatter } from '../src/csv-format.ts';
import { createCsvParser } from '../src/csv-parse.ts';

const megabytes = Number(process.argv[2] ?? 50);
const chunkChars = 64 * 1024;
const runs = 5;

/**
 * `mixed`: plain rows with some quoted fields (delimiters, doubled quotes, embedded newlines) and empties.
 * `quoted`: the parser's slowest case, every row with doubled quotes and a quoted empty field.
 */
function generateCsv(targetChars: number, shape: 'mixed' | 'quoted'): string {
  const rows = ['id,name,email,amount,created_at,note,active\n'];
  let size = rows[0]!.length;
  for (let id = 1; size < targetChars; id++) {
    const mixedNote =
      id % 10 === 0 ? '"said ""hi"", then\nleft"' : id % 7 === 0 ? '"a, b"' : id % 5 === 0 ? '' : `n${id}`;
    const note = shape === 'quoted' ? '""' : mixedNote;
    const name = shape === 'quoted' ? `"Name ""${id % 1000}"""` : `Name ${id % 1000}`;
    const day = String((id % 28) + 1).padStart(2, '0');
    const row = `${id},${name},user${id}@example.com,${(id * 1.37).toFixed(2)},2024-01-${day}T10:00:00Z,${note},${id % 2 === 0}\n`;
    rows.push(row);
    size += row.length;
  }
  return rows.join('');
}

function measure(name: string, sizeChars: number, unit: string, run: () => number): void {
  const speeds: number[] = [];
  let count = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    count = run();
    speeds.push(sizeChars / 1024 / 1024 / ((performance.now() - started) / 1000));
  }
  const median = speeds.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
  console.log(`  ${name.padEnd(46)} ${median.toFixed(1).padStart(7)} MB/s (median of ${runs}), ${count} ${unit}`);
}

function parseInChunks(text: string): number {
  const parser = createCsvParser();
  let count = 0;
  for (let at = 0; at < text.length; at += chunkChars) {
    count += parser.write(text.slice(at, at + chunkChars)).records.length;
  }
  return count + parser.end().records.length;
}

for (const shape of ['mixed', 'quoted'] as const) {
  const text = generateCsv(megabytes * 1024 * 1024, shape);
  console.log(`${shape}: ${(text.length / 1024 / 1024).toFixed(1)} MB of CSV`);
  measure('papaparse Papa.parse(text, { header: true })', text.length, 'rows', () => {
    return Papa.parse(text, { header: true }).data.length;
  });
  measure(`createCsvParser, ${chunkChars / 1024} KiB chunks`, text.length, 'records', () => parseInChunks(text));
}

const records = createCsvParser().write(generateCsv(megabytes * 1024 * 1024, 'mixed')).records;
const columns = Object.keys(records[0] ?? {});
const formattedSize = createCsvFormatter().rows(records, columns).length;
console.log(`formatting ${records.length} records (${(formattedSize / 1024 / 1024).toFixed(1)} MB of CSV)`);
measure('papaparse Papa.unparse(records)', formattedSize, 'chars', () => {
  return Papa.unparse(records, { newline: '\n' }).length;
});
measure('createCsvFormatter rows, 10k-record batches', formattedSize, 'chars', () => {
  const formatter = createCsvFormatter();
  let size = 0;
  for (let at = 0; at < records.length; at += 10_000) {
    size += formatter.rows(records.slice(at, at + 10_000), columns).length;
  }
  return size;
});
