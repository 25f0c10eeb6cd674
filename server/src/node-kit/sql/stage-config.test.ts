import { describe, expect, it } from 'vitest';
import { redactUrl } from '../url-redaction.ts';
import { withoutSecrets } from './connection.ts';
import { stageTableName } from './stage-columns.ts';
import { describeConnection, tableOfStream } from './stage-config.ts';

describe('database destination config', () => {
  it('writes a stream to `table`, else its entry in `tables`, else the table named like it (without its schema)', () => {
    expect(tableOfStream({ table: 'all' }, 'sales.orders')).toBe('all');
    expect(tableOfStream({ tables: { 'sales.orders': 'orders_copy' } }, 'sales.orders')).toBe('orders_copy');
    expect(tableOfStream({ tables: { other: 'x' } }, 'sales.orders')).toBe('orders');
    expect(tableOfStream({}, 'customers')).toBe('customers');
  });

  it('shows a connection without its password, and cleans every message of it', () => {
    const config = { url: 'postgres://bob:p%40ss:w0rd@db.example:6543/shop' };
    expect(describeConnection(config, 'postgres', 5432)).toBe('postgres://bob@db.example:6543/shop');
    expect(describeConnection({ host: 'h', user: 'u', password: 'x', database: 'd' }, 'mysql', 3306)).toBe(
      'mysql://u@h:3306/d',
    );
    expect(redactUrl(config.url)).toBe('postgres://bob:***@db.example:6543/shop');
    expect(withoutSecrets(`failed for ${config.url} (password p@ss:w0rd)`, config)).toBe(
      'failed for postgres://bob:***@db.example:6543/shop (password ***)',
    );
    expect(withoutSecrets('secret hunter2 here', { password: 'hunter2' })).toBe('secret *** here');
  });

  it('names staging tables within the identifier limit, the same for a run and table, apart for others', () => {
    const long = 'a'.repeat(80);
    const name = stageTableName(long, 'run-1', 63);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^_backflow_stage_a+_[0-9a-f]{12}$/);
    expect(stageTableName(long, 'run-1', 63)).toBe(name);
    expect(stageTableName(long, 'run-2', 63)).not.toBe(name);
    expect(stageTableName('orders', 'run-1', 64)).toMatch(/^_backflow_stage_orders_[0-9a-f]{12}$/);
  });
});
