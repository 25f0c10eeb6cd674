/** A parsed SOQL statement, before its names are checked against the schema. */
export interface SoqlStatement {
  select: SelectItem[];
  from: string;
  where?: Condition;
  orderBy: OrderItem[];
  limit?: number;
  offset?: number;
}

/** A field path as written: `Name`, `Account.Name`, `Account.Owner.Email`. */
export type Path = { parts: string[]; column: number };

export type SelectItem = { kind: 'field'; path: Path } | { kind: 'count'; path?: Path; alias?: string };

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'date'; value: string }
  | { kind: 'datetime'; value: string }
  /** TODAY, LAST_N_DAYS:7…: a range of days resolved when the query runs. */
  | { kind: 'dateRange'; name: string; n?: number };

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { kind: 'and'; items: Condition[] }
  | { kind: 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; path: Path; operator: ComparisonOperator; value: Literal }
  | { kind: 'in'; path: Path; negated: boolean; values: Literal[] }
  | { kind: 'like'; path: Path; pattern: string };

export interface OrderItem {
  path: Path;
  descending: boolean;
  nullsLast: boolean;
}
