import { useMemo } from 'react';

function cell(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Records as a table: one column per field seen in any of them, in order of appearance. */
export function RecordsTable({ records }: { records: readonly unknown[] }) {
  const columns = useMemo(() => {
    const seen = new Set<string>();
    for (const record of records)
      if (record && typeof record === 'object') for (const key of Object.keys(record)) seen.add(key);
    return [...seen];
  }, [records]);
  return (
    <div className="table-scroll">
      <table className="table data-table">
        <thead>
          <tr>
            <th className="num">#</th>
            {columns.map((column) => (
              <th key={column}>{column}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {records.map((record, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows of a sample have no identity beyond their place
            <tr key={i}>
              <td className="num muted">{i + 1}</td>
              {columns.map((column) => {
                const value = (record as Record<string, unknown>)?.[column];
                return (
                  <td key={column} className={value === null ? 'null' : typeof value === 'number' ? 'num' : ''}>
                    {cell(value)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
