/** Quoting for MySQL/MariaDB: identifiers always in backticks; values always bound. */

/** `` `name` ``, with `` ` `` doubled. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** `'text'` for the few places SQL cannot bind (ENUM labels in DDL): `'` doubled, `\` doubled. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** MySQL refuses identifiers longer than this many characters. */
export const identifierLength = 64;
