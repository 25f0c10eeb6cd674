import { describe, expect, it } from 'vitest';
import { redactUrlPasswords as redactUrl } from '../url-redaction.ts';
import { connectionTarget, describeConnection, sourceFailure, withoutSecrets } from './connection.ts';

const system = { protocols: ['postgres', 'postgresql'], defaultPort: 5432 };

describe('connectionTarget', () => {
  it('takes a URL apart, decoding its user, password and database, fields overriding it', () => {
    const target = connectionTarget(
      { url: 'postgres://app%40x:p%3Ass%40w@db.local:6543/shop?sslmode=require' },
      system,
    );
    expect(target).toEqual({
      host: 'db.local',
      port: 6543,
      user: 'app@x',
      password: 'p:ss@w',
      database: 'shop',
      options: { sslmode: 'require' },
    });
    expect(connectionTarget({ url: 'postgres://a@h/d', database: 'other', port: 1 }, system)).toMatchObject({
      host: 'h',
      port: 1,
      database: 'other',
    });
    expect(connectionTarget({ host: 'h' }, system)).toEqual({ host: 'h', port: 5432, options: {} });
  });

  it('refuses a URL of another system or none at all, without the password in the message', () => {
    expect(() => connectionTarget({ url: 'mysql://u:hunter2@h/d' }, system)).toThrow(/postgres:\/\//);
    expect(() => connectionTarget({ url: 'mysql://u:hunter2@h/d' }, system)).not.toThrow(/hunter2/);
    expect(() => connectionTarget({}, system)).toThrow(/give a url or a host/);
  });
});

describe('redaction', () => {
  it('shows a connection and any URL with its password as ***', () => {
    expect(describeConnection(connectionTarget({ url: 'postgres://u:pw@h:5432/db' }, system), 'postgres')).toBe(
      'postgres://u:***@h:5432/db',
    );
    expect(redactUrl('failed at mysql://root:s3cr3t@127.0.0.1:3306/x and postgres://a@b/c')).toBe(
      'failed at mysql://root:***@127.0.0.1:3306/x and postgres://a@b/c',
    );
  });

  it('removes the password, raw and URL-encoded, from a driver message', () => {
    const config = { url: 'postgres://u:p%40ss%21@h/db', password: 'field-secret' };
    const text = withoutSecrets('bad p@ss! and p%40ss%21 and field-secret in postgres://u:p%40ss%21@h/db', config);
    expect(text).not.toMatch(/p@ss!|p%40ss|field-secret/);
    expect(text).toContain('postgres://u:***@h/db');
    const failure = sourceFailure(new Error('auth failed for field-secret'), config, 'src', 'orders');
    expect(failure.toJSON()).toEqual({
      code: 'source_failed',
      message: 'node "src": reading orders failed: auth failed for ***',
      details: [],
      nodeId: 'src',
    });
  });
});
