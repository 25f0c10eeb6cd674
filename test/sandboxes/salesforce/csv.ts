import Papa from 'papaparse';
import { SalesforceError } from './errors.ts';

/** Bulk API 2.0's `columnDelimiter` names and the characters they stand for. */
export const delimiters: Record<string, string> = {
  COMMA: ',',
  TAB: '\t',
  PIPE: '|',
  SEMICOLON: ';',
  CARET: '^',
  BACKQUOTE: '`',
};

export const lineEndings: Record<string, string> = { LF: '\n', CRLF: '\r\n' };

export interface CsvFormat {
  columnDelimiter: string;
  lineEnding: string;
}

/** A header row and the data rows, every value as text. */
export interface CsvTable {
  header: string[];
  rows: string[][];
}

export function parseCsv(text: string, format: CsvFormat): CsvTable {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
    delimiter: delimiters[format.columnDelimiter] ?? ',',
    newline: (lineEndings[format.lineEnding] ?? '\n') as '\n' | '\r\n',
    skipEmptyLines: true,
  });
  const bad = parsed.errors.find((error) => error.type !== 'Delimiter');
  if (bad) {
    throw new SalesforceError(
      400,
      'INVALIDBATCH',
      `InvalidBatch : Failed to parse CSV on row ${bad.row}: ${bad.message}`,
    );
  }
  const [header = [], ...rows] = parsed.data;
  return { header, rows };
}

/** CSV as Salesforce writes results: every value quoted, nulls as empty unquoted fields. */
export function formatCsv(header: string[], rows: (string | null)[][], format: CsvFormat): string {
  const delimiter = delimiters[format.columnDelimiter] ?? ',';
  const newline = lineEndings[format.lineEnding] ?? '\n';
  const cell = (value: string | null) => (value === null ? '' : `"${value.replaceAll('"', '""')}"`);
  const lines = [header.map(cell).join(delimiter), ...rows.map((row) => row.map(cell).join(delimiter))];
  return lines.join(newline) + newline;
}

/** Checks a job's `columnDelimiter` and `lineEnding`, defaulting to COMMA and LF. */
export function csvFormatOf(body: Record<string, unknown>): CsvFormat {
  const columnDelimiter = body.columnDelimiter ?? 'COMMA';
  const lineEnding = body.lineEnding ?? 'LF';
  if (typeof columnDelimiter !== 'string' || !(columnDelimiter in delimiters)) {
    throw new SalesforceError(400, 'INVALIDJOB', `Invalid column delimiter: ${String(columnDelimiter)}`);
  }
  if (typeof lineEnding !== 'string' || !(lineEnding in lineEndings)) {
    throw new SalesforceError(400, 'INVALIDJOB', `Invalid line ending: ${String(lineEnding)}`);
  }
  return { columnDelimiter, lineEnding };
}
