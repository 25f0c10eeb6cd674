import type { Column, Rec } from './contract.ts';

/** Turns records into the bytes of one part (CSV, NDJSON, …). One encoder per part. */
export interface PartEncoder {
  start(columns: string[]): string;
  /** Bytes when the encoder makes them directly (no text in between). */
  encode(records: Rec[], columns: string[]): string | Uint8Array;
  end(): string;
}

/** How a format node writes its parts (nodes/format/part-files.ts writes them). */
export interface PartFormat {
  /** File extension without the dot, e.g. `csv` (`.gz` is added when gzipped). */
  extension: string;
  contentType: string;
  createEncoder(): PartEncoder;
  /**
   * Each batch's bytes depend on nothing but the batch and the part's columns (no encoder state
   * between batches), so batches may be encoded apart, on worker threads, and joined in order.
   */
  batchesStandAlone?: boolean;
  /** Records that cannot go into this part's columns, with the reason (e.g. a field outside the CSV header). */
  refuse?(record: Rec, columns: string[]): string | undefined;
  /**
   * Converts the finished text part (e.g. NDJSON) into the final file at `target` (e.g. Parquet),
   * for formats that are not written as a text stream.
   */
  convert?(textFile: string, target: string, schema: Column[] | undefined): Promise<void>;
}

/** The columns of a part opened with `records`: the stream schema's, else every key in the batch. */
export function partColumns(records: Rec[], schema: Column[] | undefined): string[] {
  if (schema) return schema.map((column) => column.name);
  const keys = new Set<string>();
  for (const record of records) for (const key of Object.keys(record)) keys.add(key);
  return [...keys];
}
