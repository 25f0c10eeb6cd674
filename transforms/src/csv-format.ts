import { resolveCsvDialect } from './csv-dialect.ts';
import { ownField } from './field-path.ts';
import { valueToText } from './value-text.ts';

export interface CsvFormatOptions {
  /** Default `,`. */
  delimiter?: string;
  /** Default `"`. */
  quoteChar?: string;
  /** Write a header line. Default true. */
  header?: boolean;
  /** Default `\n`. */
  newline?: '\n' | '\r\n';
  /**
   * Prefix text cells starting with `=`, `+`, `-`, `@`, tab or carriage return with `'` (and quote them) so
   * spreadsheets show them instead of running them as formulae. Text that is just a number, such as a
   * negative BIGINT travelling as `"-42"`, is left alone: a number is not a formula. Default false.
   */
  escapeFormulae?: boolean;
  /** Quote every field, not only those that need it. Default false. */
  quoteAll?: boolean;
}

export interface CsvFormatter {
  /** The header line (with its line ending), or '' when `header` is false. */
  header(columns: string[]): string;
  /** One line per record, each ending with the newline, cells in `columns` order. */
  rows(records: Record<string, unknown>[], columns: string[]): string;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A CSV writer for batches of records. Values become text the way `valueToText` shows them (null and
 * undefined as an empty field, objects as JSON). An empty string is written as `""` so that it reads back
 * as an empty string while an empty field reads back as null, as DuckDB and PostgreSQL do.
 */
export function createCsvFormatter(options: CsvFormatOptions = {}): CsvFormatter {
  const { delimiter, quoteChar } = resolveCsvDialect(options);
  const newline = options.newline ?? '\n';
  const writeHeader = options.header ?? true;
  const escapeFormulae = options.escapeFormulae ?? false;
  const quoteAll = options.quoteAll ?? false;
  const escapedQuote = quoteChar + quoteChar;
  // A leading BOM would be stripped by readers, leading/trailing spaces trimmed by some: quote those too.
  const needsQuotes = new RegExp(`[\\r\\n\\uFEFF]|${escapeRegExp(quoteChar)}|${escapeRegExp(delimiter)}|^ | $|^$`);

  function cell(value: unknown): string {
    if (value === null || value === undefined) return '';
    let text = valueToText(value);
    let quote = quoteAll || needsQuotes.test(text);
    if (escapeFormulae && typeof value === 'string' && FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) {
      text = `'${text}`;
      quote = true;
    }
    return quote ? quoteChar + text.replaceAll(quoteChar, escapedQuote) + quoteChar : text;
  }

  return {
    header(columns) {
      return writeHeader ? columns.map(cell).join(delimiter) + newline : '';
    },
    rows(records, columns) {
      let csv = '';
      for (const record of records) {
        let line = '';
        for (let index = 0; index < columns.length; index++) {
          if (index > 0) line += delimiter;
          line += cell(ownField(record, columns[index]!));
        }
        csv += line + newline;
      }
      return csv;
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
