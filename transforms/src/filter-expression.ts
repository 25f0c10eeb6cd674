import { TransformError } from './errors.ts';

/**
 * The filter language, parsed into a tree that `compileExpression` turns into a function of a record:
 * nothing in it can run code or reach beyond the record's own fields.
 *
 *   expression := or
 *   or         := and (('or' | '||') and)*
 *   and        := not (('and' | '&&') not)*
 *   not        := ('not' | '!') not | predicate
 *   predicate  := operand [ compare operand | ['not'] 'in' '(' operand (',' operand)* ')'
 *                         | 'is' ['not'] 'null' | ['not'] 'like' operand ]
 *   compare    := '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>='
 *   operand    := number | '-' number | string | 'true' | 'false' | 'null' | function '(' [operand (',' operand)*] ')'
 *               | field ('.' field)* | '(' expression ')'
 *
 * Keywords and function names are case-insensitive. Fields are bare names (`status`, `customer.country`)
 * or backquoted (`` `field with space` ``, a backquote inside written twice). Strings take single or double
 * quotes, with `\` escapes (`\n`, `\t`, `\uXXXX`, `\u{…}`, …) or the quote written twice.
 *
 * A chain of `and` (or of `or`) is one node with every operand, however long, so evaluating it does not
 * recurse per term; parentheses, `not` and function calls nest at most `MAX_NESTING` levels deep.
 */
export type Expression =
  | { kind: 'literal'; value: unknown }
  | { kind: 'field'; path: string[] }
  | { kind: 'not'; operand: Expression }
  | { kind: 'and' | 'or'; operands: Expression[] }
  | { kind: 'compare'; operator: CompareOperator; left: Expression; right: Expression }
  | { kind: 'in'; operand: Expression; list: Expression[]; negated: boolean }
  | { kind: 'is-null'; operand: Expression; negated: boolean }
  | { kind: 'like'; operand: Expression; pattern: Expression; negated: boolean }
  | { kind: 'call'; name: FunctionName; args: Expression[] };

export type CompareOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** Each function with its [fewest, most] arguments. */
export const FUNCTIONS = {
  lower: [1, 1],
  upper: [1, 1],
  length: [1, 1],
  contains: [2, 2],
  starts_with: [2, 2],
  ends_with: [2, 2],
  coalesce: [1, Number.POSITIVE_INFINITY],
} as const;
export type FunctionName = keyof typeof FUNCTIONS;

/** Levels of parentheses, `not` and function calls: far beyond what a person writes, and each costs stack. */
export const MAX_NESTING = 64;

type TokenKind = 'number' | 'string' | 'name' | 'quoted-name' | 'symbol' | 'end';

interface Token {
  kind: TokenKind;
  /** Names and symbols as written, the name inside backquotes. */
  text: string;
  /** The value of a number or string. */
  value?: unknown;
  /** Where the token starts and ends in the source, for error messages. */
  at: number;
  end: number;
}

const SYMBOLS = ['==', '!=', '<>', '<=', '>=', '&&', '||', '=', '<', '>', '!', '(', ')', ',', '.', '-'];
const COMPARE_OPERATORS: Record<string, CompareOperator> = {
  '=': '=',
  '==': '=',
  '!=': '!=',
  '<>': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};
const NAME_START = /[\p{L}_]/u;
const NAME_PART = /[\p{L}\p{N}_]/u;
const NUMBER = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '0': '\0',
  '\\': '\\',
  "'": "'",
  '"': '"',
};

export function parseExpression(source: string): Expression {
  const tokens = tokenize(source);
  let position = 0;
  let depth = 0;

  const peek = (): Token => tokens[position]!;
  const next = (): Token => tokens[position++]!;
  const isKeyword = (token: Token, keyword: string): boolean =>
    token.kind === 'name' && token.text.toLowerCase() === keyword;
  const isSymbol = (token: Token, ...symbols: string[]): boolean =>
    token.kind === 'symbol' && symbols.includes(token.text);

  function fail(token: Token, message: string): never {
    throw syntaxError(source, token.at, message);
  }
  function unexpected(token: Token, expected?: string): never {
    const found = token.kind === 'end' ? 'the end' : `'${source.slice(token.at, token.end)}'`;
    return fail(token, expected ? `expected ${expected} but found ${found}` : `unexpected ${found}`);
  }
  function expectSymbol(symbol: string): void {
    const token = peek();
    if (!isSymbol(token, symbol)) fail(token, `expected '${symbol}'`);
    next();
  }

  /** Parses what `token` opens one level deeper: the parser and `compileExpression` recurse once per level. */
  function nested<T>(token: Token, parse: () => T): T {
    if (depth === MAX_NESTING) fail(token, `expression nests deeper than ${MAX_NESTING} levels`);
    depth++;
    const parsed = parse();
    depth--;
    return parsed;
  }

  function parseOr(): Expression {
    return parseChain('or', '||', parseAnd);
  }

  function parseAnd(): Expression {
    return parseChain('and', '&&', parseNot);
  }

  /** `term (kind term)*` as one node holding every term (or the term alone). */
  function parseChain(kind: 'and' | 'or', symbol: string, parseTerm: () => Expression): Expression {
    const operands = [parseTerm()];
    while (isKeyword(peek(), kind) || isSymbol(peek(), symbol)) {
      next();
      operands.push(parseTerm());
    }
    return operands.length === 1 ? operands[0]! : { kind, operands };
  }

  function parseNot(): Expression {
    const token = peek();
    if (isKeyword(token, 'not') || isSymbol(token, '!')) {
      next();
      return { kind: 'not', operand: nested(token, parseNot) };
    }
    return parsePredicate();
  }

  function parsePredicate(): Expression {
    const left = parseOperand();
    const token = peek();
    if (token.kind === 'symbol' && COMPARE_OPERATORS[token.text]) {
      next();
      return { kind: 'compare', operator: COMPARE_OPERATORS[token.text]!, left, right: parseOperand() };
    }
    if (isKeyword(token, 'is')) {
      next();
      const negated = isKeyword(peek(), 'not');
      if (negated) next();
      if (!isKeyword(peek(), 'null')) unexpected(peek(), "'null'");
      next();
      return { kind: 'is-null', operand: left, negated };
    }
    const negated = isKeyword(token, 'not');
    if (negated) next();
    if (isKeyword(peek(), 'in')) {
      next();
      expectSymbol('(');
      const list = [parseOperand()];
      while (isSymbol(peek(), ',')) {
        next();
        list.push(parseOperand());
      }
      expectSymbol(')');
      return { kind: 'in', operand: left, list, negated };
    }
    if (isKeyword(peek(), 'like')) {
      next();
      return { kind: 'like', operand: left, pattern: parseOperand(), negated };
    }
    if (negated) unexpected(peek(), "'in' or 'like' after 'not'");
    return left;
  }

  function parseOperand(): Expression {
    const token = next();
    if (token.kind === 'number' || token.kind === 'string') return { kind: 'literal', value: token.value };
    if (isSymbol(token, '-') && peek().kind === 'number') {
      const value = next().value as number | bigint;
      return { kind: 'literal', value: -value };
    }
    if (isSymbol(token, '(')) {
      const inner = nested(token, parseOr);
      expectSymbol(')');
      return inner;
    }
    if (token.kind === 'name') {
      const word = token.text.toLowerCase();
      if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' };
      if (word === 'null') return { kind: 'literal', value: null };
      if (isSymbol(peek(), '(')) return parseCall(token);
    }
    if (token.kind === 'name' || token.kind === 'quoted-name') {
      const path = [token.text];
      while (isSymbol(peek(), '.')) {
        next();
        const segment = next();
        if (segment.kind !== 'name' && segment.kind !== 'quoted-name') unexpected(segment, 'a field name');
        path.push(segment.text);
      }
      return { kind: 'field', path };
    }
    return unexpected(token, 'a value or a field');
  }

  function parseCall(nameToken: Token): Expression {
    const name = nameToken.text.toLowerCase();
    if (!Object.hasOwn(FUNCTIONS, name)) fail(nameToken, `unknown function '${nameToken.text}'`);
    const functionName = name as FunctionName;
    next(); // (
    const args: Expression[] = [];
    if (!isSymbol(peek(), ')')) {
      args.push(nested(nameToken, parseOr));
      while (isSymbol(peek(), ',')) {
        next();
        args.push(nested(nameToken, parseOr));
      }
    }
    expectSymbol(')');
    const [fewest, most] = FUNCTIONS[functionName];
    if (args.length < fewest || args.length > most) {
      const expected = fewest === most ? `${fewest}` : `at least ${fewest}`;
      fail(nameToken, `${functionName}() takes ${expected} argument${fewest === 1 ? '' : 's'}, got ${args.length}`);
    }
    return { kind: 'call', name: functionName, args };
  }

  const expression = parseOr();
  if (peek().kind !== 'end') unexpected(peek());
  return expression;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index]!;
    if (/\s/.test(char)) {
      index++;
      continue;
    }
    const at = index;
    if (char >= '0' && char <= '9') {
      NUMBER.lastIndex = index;
      const text = NUMBER.exec(source)![0];
      index += text.length;
      if (index < source.length && NAME_PART.test(source[index]!)) {
        throw syntaxError(source, at, `invalid number '${text}${source[index]}'`);
      }
      tokens.push({ kind: 'number', text, value: numberValue(text), at, end: index });
    } else if (char === "'" || char === '"') {
      const { value, end } = readQuoted(source, index, char, true);
      tokens.push({ kind: 'string', text: value, value, at, end });
      index = end;
    } else if (char === '`') {
      const { value, end } = readQuoted(source, index, '`', false);
      if (value === '') throw syntaxError(source, at, 'a quoted field name cannot be empty');
      tokens.push({ kind: 'quoted-name', text: value, at, end });
      index = end;
    } else if (NAME_START.test(char)) {
      let end = index + 1;
      while (end < source.length && NAME_PART.test(source[end]!)) end++;
      tokens.push({ kind: 'name', text: source.slice(index, end), at, end });
      index = end;
    } else {
      const symbol = SYMBOLS.find((candidate) => source.startsWith(candidate, index));
      if (!symbol)
        throw syntaxError(source, at, `unexpected character '${String.fromCodePoint(source.codePointAt(index)!)}'`);
      index += symbol.length;
      tokens.push({ kind: 'symbol', text: symbol, at, end: index });
    }
  }
  tokens.push({ kind: 'end', text: '', at: source.length, end: source.length });
  return tokens;
}

/** Integer literals beyond the safe range stay exact as bigint. */
function numberValue(text: string): number | bigint {
  const number = Number(text);
  return /^\d+$/.test(text) && !Number.isSafeInteger(number) ? BigInt(text) : number;
}

/**
 * Reads a string or backquoted name starting at `start`; the quote written twice stands for itself, and
 * strings also take backslash escapes.
 */
function readQuoted(source: string, start: number, quote: string, escapes: boolean): { value: string; end: number } {
  let value = '';
  let index = start + 1;
  while (index < source.length) {
    const char = source[index]!;
    if (char === quote) {
      if (source[index + 1] !== quote) return { value, end: index + 1 };
      value += quote;
      index += 2;
    } else if (char === '\\' && escapes) {
      const { text, length } = readEscape(source, index);
      value += text;
      index += length;
    } else {
      value += char;
      index++;
    }
  }
  throw syntaxError(source, start, `unterminated ${escapes ? 'string' : 'field name'} starting`);
}

function readEscape(source: string, at: number): { text: string; length: number } {
  const letter = source[at + 1];
  if (letter !== undefined && Object.hasOwn(ESCAPES, letter)) return { text: ESCAPES[letter]!, length: 2 };
  if (letter === 'u') {
    const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(source.slice(at + 2, at + 11));
    const hex = braced ? braced[1]! : /^[0-9a-fA-F]{4}/.exec(source.slice(at + 2, at + 6))?.[0];
    const codePoint = hex === undefined ? Number.NaN : Number.parseInt(hex, 16);
    if (codePoint <= 0x10ffff) {
      return { text: String.fromCodePoint(codePoint), length: 2 + (braced ? braced[0].length : 4) };
    }
  }
  throw syntaxError(source, at, `invalid escape '\\${letter ?? ''}'`);
}

/** `message at column N`, the column counted in characters (code points), from 1. */
function syntaxError(source: string, index: number, message: string): TransformError {
  const column = [...source.slice(0, index)].length + 1;
  return new TransformError('expression_invalid', `${message} at column ${column}`, { column });
}
