/** What SQL the shared source code writes differs in between databases. */
export interface SqlDialect {
  /** An identifier quoted (`"a""b"` or `` `a``b` ``), never spliced as is. */
  quoteIdentifier(name: string): string;
  /** The placeholder of the `index`-th (1-based) bound value: `$1` or `?`. */
  placeholder(index: number): string;
  /**
   * How `(a, b) > (x, y)` is written: as a row comparison (Postgres plans it as one index range) or
   * expanded to `a > x OR (a = x AND b > y)` (MySQL and MariaDB use an index only for that form).
   */
  rowComparison: 'row' | 'expanded';
}

/** The values a statement binds, collected as its SQL is written: `bind(value)` gives the placeholder. */
export class BoundValues {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: SqlDialect) {}

  bind(value: unknown): string {
    this.values.push(value);
    return this.dialect.placeholder(this.values.length);
  }
}
