/**
 * Bulk loads fail whole: one bad row in a COPY or a multi-row INSERT refuses the lot. To land the
 * good rows and reject only the bad ones (each with the database's own message), a failed load is
 * split in halves, and each half loaded again, until every failing row stands alone: k bad rows
 * among n cost about k·log2(n) extra loads, and a clean batch costs one.
 */

export interface RowFailure {
  /** Index of the row in the list given. */
  row: number;
  error: unknown;
}

/**
 * Loads `rows` with `load` (which must be all or nothing: a transaction or savepoint per call),
 * isolating the rows it refuses. Errors `isRowError` does not recognise as caused by the data (a lost
 * connection, a full disk) are thrown, not blamed on rows.
 */
export async function loadIsolatingFailures<T>(
  rows: readonly T[],
  load: (rows: readonly T[]) => Promise<void>,
  isRowError: (error: unknown) => boolean,
): Promise<RowFailure[]> {
  const failures: RowFailure[] = [];
  const attempt = async (offset: number, slice: readonly T[]): Promise<void> => {
    if (slice.length === 0) return;
    try {
      await load(slice);
      return;
    } catch (error) {
      if (!isRowError(error)) throw error;
      if (slice.length === 1) {
        failures.push({ row: offset, error });
        return;
      }
    }
    const half = Math.ceil(slice.length / 2);
    await attempt(offset, slice.slice(0, half));
    await attempt(offset + half, slice.slice(half));
  };
  await attempt(0, rows);
  return failures;
}
