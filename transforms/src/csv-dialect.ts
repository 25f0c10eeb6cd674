import { TransformError } from './errors.ts';

export interface CsvDialect {
  delimiter: string;
  quoteChar: string;
}

/** The delimiter and quote character of a CSV file, defaulted (`,` and `"`) and checked to be usable. */
export function resolveCsvDialect(options: Partial<CsvDialect>): CsvDialect {
  const delimiter = options.delimiter ?? ',';
  const quoteChar = options.quoteChar ?? '"';
  if (quoteChar.length !== 1 || quoteChar === '\r' || quoteChar === '\n') {
    throw new TransformError('config_invalid', `quoteChar must be one character, got ${JSON.stringify(quoteChar)}`, {
      path: 'quoteChar',
    });
  }
  if (delimiter === '' || delimiter.includes(quoteChar) || delimiter.includes('\r') || delimiter.includes('\n')) {
    throw new TransformError(
      'config_invalid',
      `delimiter ${JSON.stringify(delimiter)} cannot separate fields: it must be non-empty, without line breaks or the quote character`,
      { path: 'delimiter' },
    );
  }
  return { delimiter, quoteChar };
}
