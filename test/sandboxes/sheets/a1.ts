import { invalidArgument } from './errors.ts';

/** A range of one tab, zero-based and inclusive; an absent end is open (to the grid's edge). */
export interface GridRange {
  sheet: string;
  startRow: number;
  startColumn: number;
  endRow?: number;
  endColumn?: number;
}

/** `A` → 0, `Z` → 25, `AA` → 26. */
export function columnIndex(letters: string): number {
  let index = 0;
  for (const letter of letters.toUpperCase()) index = index * 26 + (letter.charCodeAt(0) - 64);
  return index - 1;
}

/** 0 → `A`, 26 → `AA`. */
export function columnLetters(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/** A tab title as A1 notation writes it: quoted (quotes doubled) unless plain letters and digits. */
export function quoteTitle(title: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(title) ? title : `'${title.replaceAll("'", "''")}'`;
}

export function formatRange(range: Required<GridRange>): string {
  const start = `${columnLetters(range.startColumn)}${range.startRow + 1}`;
  const end = `${columnLetters(range.endColumn)}${range.endRow + 1}`;
  return `${quoteTitle(range.sheet)}!${start}${start === end ? '' : `:${end}`}`;
}

const cellPattern = /^([A-Za-z]*)(\d*)$/;

/**
 * Parses A1 notation: `'My tab'!A1:C9`, `Tab!1:1`, `Tab!A:C`, `Tab`, or `A1:B2` (the first tab).
 * `titles` are the spreadsheet's tabs: a bare name that is a tab's title means the whole tab.
 */
export function parseRange(text: string, titles: readonly string[]): GridRange {
  const unparsable = () => invalidArgument(`Unable to parse range: ${text}`);
  let sheet: string | undefined;
  let cells = text;
  const quoted = /^'((?:[^']|'')*)'(?:!(.*))?$/.exec(text);
  if (quoted) {
    sheet = quoted[1]!.replaceAll("''", "'");
    cells = quoted[2] ?? '';
  } else if (text.includes('!')) {
    const bang = text.lastIndexOf('!');
    sheet = text.slice(0, bang);
    cells = text.slice(bang + 1);
  } else if (titles.includes(text)) {
    sheet = text;
    cells = '';
  }
  sheet ??= titles[0];
  if (sheet === undefined || !titles.includes(sheet)) throw unparsable();
  if (cells === '') return { sheet, startRow: 0, startColumn: 0 };
  const [from, to = from, extra] = cells.split(':');
  if (extra !== undefined) throw unparsable();
  const start = cellPattern.exec(from!);
  const end = cellPattern.exec(to!);
  if (!start || !end || (!start[1] && !start[2]) || (!end[1] && !end[2])) throw unparsable();
  return {
    sheet,
    startRow: start[2] ? Number(start[2]) - 1 : 0,
    startColumn: start[1] ? columnIndex(start[1]) : 0,
    ...(end[2] ? { endRow: Number(end[2]) - 1 } : {}),
    ...(end[1] ? { endColumn: columnIndex(end[1]) } : {}),
  };
}
