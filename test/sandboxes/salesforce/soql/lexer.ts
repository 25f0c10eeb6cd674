import { SalesforceError } from '../errors.ts';

export type TokenKind = 'word' | 'string' | 'number' | 'date' | 'datetime' | 'symbol' | 'end';

export interface Token {
  kind: TokenKind;
  /** The text as written (a string literal's value, unescaped). */
  text: string;
  /** 1-based column, for error messages. */
  column: number;
}

const symbols = ['<=', '>=', '!=', '<>', '=', '<', '>', '(', ')', ',', ':'];
const dateTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})/;
const datePattern = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const numberPattern = /^-?\d+(\.\d+)?/;
const wordPattern = /^[A-Za-z_][A-Za-z0-9_.]*/;
const patterns: [TokenKind, RegExp][] = [
  ['datetime', dateTimePattern],
  ['date', datePattern],
  ['number', numberPattern],
  ['word', wordPattern],
];
const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\' };

/** The MALFORMED_QUERY error Salesforce answers, pointing at the column where parsing stopped. */
export function malformed(soql: string, column: number, detail: string): SalesforceError {
  return new SalesforceError(
    400,
    'MALFORMED_QUERY',
    `\n${soql}\n${' '.repeat(Math.max(0, column - 1))}^\nERROR at Row:1:Column:${column}\n${detail}`,
  );
}

/** Splits SOQL into tokens. Keywords stay words; the parser matches them case-insensitively. */
export function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < soql.length) {
    const rest = soql.slice(position);
    const space = /^\s+/.exec(rest);
    if (space) {
      position += space[0].length;
      continue;
    }
    const column = position + 1;
    if (rest[0] === "'") {
      let value = '';
      let index = 1;
      for (; index < rest.length && rest[index] !== "'"; index++) {
        if (rest[index] === '\\') {
          const escaped = rest[index + 1] ?? '';
          // \% and \_ keep their backslash: LIKE reads them as literal % and _.
          value += escaped === '%' || escaped === '_' ? `\\${escaped}` : (escapes[escaped] ?? escaped);
          index++;
        } else {
          value += rest[index];
        }
      }
      if (index >= rest.length) throw malformed(soql, column, 'unterminated string literal');
      tokens.push({ kind: 'string', text: value, column });
      position += index + 1;
      continue;
    }
    const match = patterns
      .map(([kind, pattern]) => ({ kind, found: pattern.exec(rest) }))
      .find((candidate) => candidate.found !== null);
    if (match?.found) {
      tokens.push({ kind: match.kind, text: match.found[0], column });
      position += match.found[0].length;
      continue;
    }
    const symbol = symbols.find((candidate) => rest.startsWith(candidate));
    if (!symbol) throw malformed(soql, column, `unexpected token: '${rest[0]}'`);
    tokens.push({ kind: 'symbol', text: symbol, column });
    position += symbol.length;
  }
  tokens.push({ kind: 'end', text: '<EOF>', column: soql.length + 1 });
  return tokens;
}
