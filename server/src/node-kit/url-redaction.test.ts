import { describe, expect, it } from 'vitest';
import { redactUrl, redactUrlPasswords, secretParts } from './url-redaction.ts';

describe('redactUrl', () => {
  it('replaces the password of a connection URL, keeping user, host, port, database and options', () => {
    expect(redactUrl('postgres://app:S3cr3t@db.internal:5432/shop?sslmode=require')).toBe(
      'postgres://app:***@db.internal:5432/shop?sslmode=require',
    );
    expect(redactUrl('mysql://root:pw@127.0.0.1:3306/test')).toBe('mysql://root:***@127.0.0.1:3306/test');
    expect(redactUrl('postgresql://u:p%40ss%3Aw0rd@h/db')).toBe('postgresql://u:***@h/db');
  });

  it('covers an unencoded @ or : inside the password, and a password in the query', () => {
    expect(redactUrl('postgres://app:p@ss:w@rd@db:5432/shop')).toBe('postgres://app:***@db:5432/shop');
    expect(redactUrl('postgres://db/shop?user=app&password=S3cr3t&sslmode=require')).toBe(
      'postgres://db/shop?user=app&password=***&sslmode=require',
    );
  });

  it('leaves a URL without a password as it is', () => {
    for (const url of [
      'mysql://root@127.0.0.1:3306/test',
      'postgres://db.internal/shop',
      'postgres://app:@db/shop',
      'gs://bucket/prefix/part-00001.csv.gz',
      'https://example.com:8443/a?b=c',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });
});

describe('redactUrlPasswords', () => {
  it('redacts every URL in a message, whatever surrounds it, and nothing else', () => {
    const message =
      'connect ECONNREFUSED: postgres://app:S3cr3t@db:5432/shop (from "mysql://root:hunter2@m/x"), user:pass@not-a-url';
    expect(redactUrlPasswords(message)).toBe(
      'connect ECONNREFUSED: postgres://app:***@db:5432/shop (from "mysql://root:***@m/x"), user:pass@not-a-url',
    );
  });

  it('keeps unicode and newlines around the URLs', () => {
    expect(redactUrlPasswords('zoë\npostgres://zoë:pässwörd@h/d\n')).toBe('zoë\npostgres://zoë:***@h/d\n');
  });
});

describe('secretParts', () => {
  it('keeps of a URL only its passwords secret (as written and decoded), and any other value whole', () => {
    expect(secretParts('postgres://app:p%40ss@db:5432/shop?sslmode=require&password=two')).toEqual([
      'p%40ss',
      'two',
      'p@ss',
    ]);
    expect(secretParts('mysql://root@127.0.0.1:3306/shop')).toEqual([]);
    expect(secretParts('s3cr3t-token')).toEqual(['s3cr3t-token']);
  });
});
