/**
 * Reading Backflow column type names (columns.ts) for DDL: the element of a list, DECIMAL's
 * precision and scale, an ENUM's labels. Each database destination maps the parts to its own types.
 */

export interface ParsedType {
  /** The scalar type, upper case, without list brackets or parameters: `DECIMAL`, `ENUM`, `VARCHAR`. */
  base: string;
  /** Nesting depth of lists (`INTEGER[][]` → 2). */
  listDepth: number;
  precision?: number;
  scale?: number;
  /** ENUM's labels. */
  labels?: string[];
}

export function parseColumnType(type: string): ParsedType {
  let text = type.trim();
  let listDepth = 0;
  for (let match = /\[\d*\]$/.exec(text); match !== null; match = /\[\d*\]$/.exec(text)) {
    text = text.slice(0, match.index).trimEnd();
    listDepth += 1;
  }
  const upper = text.toUpperCase();
  const decimal = /^(?:DECIMAL|NUMERIC)\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(upper);
  if (decimal) return { base: 'DECIMAL', listDepth, precision: Number(decimal[1]), scale: Number(decimal[2]) };
  if (/^ENUM\s*\(/.test(upper)) return { base: 'ENUM', listDepth, labels: enumLabels(text) };
  const nested = /^(STRUCT|MAP|UNION)\s*\(/.exec(upper);
  if (nested) return { base: nested[1] as string, listDepth };
  const aliases: Record<string, string> = {
    'TIMESTAMP WITH TIME ZONE': 'TIMESTAMPTZ',
    'TIME WITH TIME ZONE': 'TIMETZ',
    NUMERIC: 'DECIMAL',
    INT: 'INTEGER',
    REAL: 'FLOAT',
    TEXT: 'VARCHAR',
    STRING: 'VARCHAR',
  };
  return { base: aliases[upper] ?? upper, listDepth };
}

/** `ENUM('a', 'it''s')` → `['a', "it's"]`. */
export function enumLabels(type: string): string[] {
  const inner = type.slice(type.indexOf('(') + 1, type.lastIndexOf(')'));
  const labels: string[] = [];
  const pattern = /'((?:[^']|'')*)'/g;
  for (let match = pattern.exec(inner); match !== null; match = pattern.exec(inner)) {
    labels.push((match[1] as string).replaceAll("''", "'"));
  }
  return labels;
}
