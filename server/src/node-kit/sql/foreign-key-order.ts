/**
 * Tables in foreign-key order: every table after the tables it references, so a destination can
 * load parents before children. A cycle (a → b → a) has no such order: it is broken at one foreign
 * key (the child read first is the one whose name sorts first), which the caller logs.
 */

/** A reference from table `from` to table `to` (both as the caller names them). */
export interface TableReference {
  from: string;
  to: string;
  /** The foreign key's name, for the warning when it is broken. */
  name: string;
}

export interface ForeignKeyOrder {
  order: string[];
  /** References whose child was read before its parent, to break a cycle. */
  broken: TableReference[];
}

/** `tables` topologically ordered by `references` (ties keep the given order); self-references are ignored. */
export function foreignKeyOrder(tables: readonly string[], references: readonly TableReference[]): ForeignKeyOrder {
  const known = new Set(tables);
  const pending = references.filter((ref) => ref.from !== ref.to && known.has(ref.from) && known.has(ref.to));
  const order: string[] = [];
  const broken: TableReference[] = [];
  const placed = new Set<string>();
  const remaining = [...tables];
  while (remaining.length > 0) {
    const waitsFor = (table: string) => pending.filter((ref) => ref.from === table && !placed.has(ref.to));
    let next = remaining.find((table) => waitsFor(table).length === 0);
    if (next === undefined) {
      // Every remaining table waits for another: a cycle. Read the first by name, its references broken.
      next = [...remaining].sort()[0]!;
      broken.push(...waitsFor(next));
    }
    order.push(next);
    placed.add(next);
    remaining.splice(remaining.indexOf(next), 1);
  }
  return { order, broken };
}
