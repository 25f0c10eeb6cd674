/** A SQL string literal: file paths are not bindable in COPY, so they are quoted, never spliced raw. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
