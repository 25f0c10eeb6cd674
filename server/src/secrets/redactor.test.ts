import { describe, expect, it } from 'vitest';
import { Redactor, redactedMark } from './redactor.ts';

function redactorWith(...secrets: string[]): Redactor {
  const redactor = new Redactor();
  for (const secret of secrets) redactor.add(secret);
  return redactor;
}

describe('Redactor', () => {
  it('marks redactions as [redacted]', () => {
    expect(redactedMark).toBe('[redacted]');
  });

  it('returns text unchanged when no secret is known, but for the passwords of URLs', () => {
    const text = 'connect to postgres://u@host/db failed: user:pass is wrong';
    expect(new Redactor().redact(text)).toBe(text);
    expect(new Redactor().redact('connect to postgres://u:p@host/db failed')).toBe(
      'connect to postgres://u:***@host/db failed',
    );
  });

  it('replaces every occurrence of every secret', () => {
    const redactor = redactorWith('s3cr3t-pw', 'tok_12345');
    expect(redactor.redact('pw=s3cr3t-pw token=tok_12345 again s3cr3t-pws3cr3t-pw')).toBe(
      'pw=[redacted] token=[redacted] again [redacted][redacted]',
    );
  });

  it('redacts the whole of a secret that contains another, whichever was added first', () => {
    for (const order of [
      ['abcd', 'abcdef'],
      ['abcdef', 'abcd'],
    ]) {
      const redactor = redactorWith(...order);
      expect(redactor.redact('x abcdef y abcd z abcdefg')).toBe('x [redacted] y [redacted] z [redacted]g');
    }
  });

  it('treats regex special characters in secrets literally', () => {
    const redactor = redactorWith('a.b*c(d)', '$&[x]|^');
    expect(redactor.redact('a.b*c(d) aXbbbc(d) abc(d) $&[x]|^ x')).toBe('[redacted] aXbbbc(d) abc(d) [redacted] x');
  });

  it('redacts the JSON-escaped form of a secret with a quote and a backslash', () => {
    const secret = 'pa"ss\\word';
    const redactor = redactorWith(secret);
    const json = JSON.stringify({ password: secret, note: 'ok' });
    expect(json).not.toContain(secret);
    expect(redactor.redact(json)).toBe('{"password":"[redacted]","note":"ok"}');
    expect(redactor.redact(`raw ${secret}`)).toBe('raw [redacted]');
  });

  it('redacts the base64 form of a secret', () => {
    const redactor = redactorWith('user:hunter22');
    const header = `Authorization: Basic ${Buffer.from('user:hunter22').toString('base64')}`;
    expect(redactor.redact(header)).toBe('Authorization: Basic [redacted]');
  });

  it('redacts the URL-encoded form of a secret', () => {
    const secret = 'p@ss w/rd&ü';
    const redactor = redactorWith(secret);
    const url = `https://db.local:5432/app?key=${encodeURIComponent(secret)}`;
    expect(url).toBe('https://db.local:5432/app?key=p%40ss%20w%2Frd%26%C3%BC');
    expect(redactor.redact(url)).toBe('https://db.local:5432/app?key=[redacted]');
  });

  it('ignores secrets shorter than 4 characters', () => {
    const redactor = redactorWith('a', 'ab', 'abc', '');
    const text = 'a cab sat on abc';
    expect(redactor.redact(text)).toBe(text);
    redactor.add('abcd');
    expect(redactor.redact('abc abcd')).toBe('abc [redacted]');
  });

  it('stops redacting a removed secret and keeps the others', () => {
    const redactor = redactorWith('first-secret', 'second-secret');
    redactor.remove('first-secret');
    expect(redactor.redact('first-secret second-secret')).toBe('first-secret [redacted]');
    redactor.remove('second-secret');
    expect(redactor.redact('first-secret second-secret')).toBe('first-secret second-secret');
    redactor.remove('never-added');
  });

  it('keeps a secret added twice until it is removed twice', () => {
    const redactor = redactorWith('shared-password', 'shared-password');
    redactor.remove('shared-password');
    expect(redactor.redact('shared-password')).toBe('[redacted]');
    redactor.remove('shared-password');
    expect(redactor.redact('shared-password')).toBe('shared-password');
  });

  it('redactDeep copies nested objects and arrays with every string redacted, leaving the input untouched', () => {
    const redactor = redactorWith('tok_secret');
    const when = new Date(0);
    const input = {
      tok_secret: 'key is kept',
      url: 'https://api?token=tok_secret',
      nested: { list: ['tok_secret', 42, null, true, { deep: 'x tok_secret y' }], when },
      count: 7n,
    };
    const before = structuredClone(input);

    const output = redactor.redactDeep(input);

    expect(output).toEqual({
      tok_secret: 'key is kept',
      url: 'https://api?token=[redacted]',
      nested: { list: ['[redacted]', 42, null, true, { deep: 'x [redacted] y' }], when },
      count: 7n,
    });
    expect(input).toEqual(before);
    expect(output).not.toBe(input);
    expect(output.nested).not.toBe(input.nested);
    expect(output.nested.list).not.toBe(input.nested.list);
    expect(output.nested.when).toBe(when);
    expect(redactor.redactDeep('tok_secret!')).toBe('[redacted]!');
  });

  it('redactDeep keeps a __proto__ key as data and survives cycles', () => {
    const redactor = redactorWith('tok_secret');
    const parsed = JSON.parse('{"__proto__": {"polluted": "tok_secret"}}') as Record<string, unknown>;
    const output = redactor.redactDeep(parsed);
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(output, '__proto__')?.value).toEqual({ polluted: '[redacted]' });

    const cyclic: Record<string, unknown> = { name: 'tok_secret' };
    cyclic.self = cyclic;
    const copy = redactor.redactDeep(cyclic);
    expect(copy.name).toBe('[redacted]');
    expect(copy.self).toBe(copy);
    expect(cyclic.name).toBe('tok_secret');
  });
});

describe('Redactor and URLs', () => {
  it("masks any URL's password, known or not, keeping the URL readable, and still blanks known secrets", () => {
    const redactor = new Redactor();
    expect(redactor.redact('failed: mysql://root:hunter2@db:3306/shop')).toBe('failed: mysql://root:***@db:3306/shop');
    redactor.add('tok-123456');
    expect(redactor.redactDeep({ out: 'postgres://app:S3cr3t@h/db', header: 'Bearer tok-123456' })).toEqual({
      out: 'postgres://app:***@h/db',
      header: 'Bearer [redacted]',
    });
  });
});
