import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackflowError, ConfigError } from '../errors.ts';
import { loadSecretKey, SecretBox } from './secret-box.ts';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

async function rejected(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Flips one byte of one base64url part of a sealed value. */
function tamper(sealed: string, part: number, byte = 0): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[byte] = bytes[byte]! ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

function expectUnreadable(error: unknown, sealed: string): void {
  expect(error).toBeInstanceOf(BackflowError);
  const backflowError = error as BackflowError;
  expect(backflowError.code).toBe('secret_unreadable');
  expect(backflowError.message).toContain('BACKFLOW_SECRET_KEY');
  expect(backflowError.message).toContain('secret.key');
  expect(backflowError.message).not.toContain(sealed);
  for (const part of sealed.split('.').slice(1)) {
    if (part.length >= 8) expect(backflowError.message).not.toContain(part);
  }
}

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips unicode, empty, quoted and long strings', () => {
    const texts = ['', 'p@ss"word\\with\nnewline', 'ключ 🔑 秘密 \u0000 end', 'x'.repeat(1_000_000)];
    for (const text of texts) {
      const sealed = box.seal(text);
      expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/);
      expect(box.open(sealed)).toBe(text);
    }
  });

  it('seals the same text differently each time', () => {
    const first = box.seal('hunter2-password');
    const second = box.seal('hunter2-password');
    expect(first).not.toBe(second);
    expect(first.split('.')[1]).not.toBe(second.split('.')[1]);
    expect(box.open(first)).toBe('hunter2-password');
    expect(box.open(second)).toBe('hunter2-password');
  });

  it('does not leak the plaintext into the sealed value', () => {
    const sealed = box.seal('plain-secret-value');
    expect(sealed).not.toContain('plain-secret-value');
    expect(sealed).not.toContain(Buffer.from('plain-secret-value').toString('base64url'));
  });

  it('refuses a value whose ciphertext, tag or iv was changed by one byte', () => {
    const sealed = box.seal('the database password');
    for (const [part, byte] of [
      [3, 0],
      [3, 20],
      [2, 0],
      [2, 15],
      [1, 11],
    ] as const) {
      const tampered = tamper(sealed, part, byte);
      expect(tampered).not.toBe(sealed);
      expectUnreadable(
        thrown(() => box.open(tampered)),
        tampered,
      );
    }
  });

  it('refuses a value sealed with another key', () => {
    const sealed = new SecretBox(randomBytes(32)).seal('other key');
    expectUnreadable(
      thrown(() => box.open(sealed)),
      sealed,
    );
  });

  it('refuses garbled values without echoing them', () => {
    const sealed = box.seal('garble me');
    const [, iv, tag, ciphertext] = sealed.split('.');
    const garbled = [
      '',
      'not sealed at all',
      sealed.replace(/^v1/, 'v2'),
      `${sealed}.extra`,
      `v1.${iv}.${tag}`,
      `v1.${iv}.${tag}.${ciphertext}!`,
      `v1.${iv}A.${tag}.${ciphertext}`,
      `v1.${iv}.${tag?.slice(0, -2)}.${ciphertext}`,
    ];
    for (const value of garbled) {
      const error = thrown(() => box.open(value));
      expect((error as BackflowError).code).toBe('secret_unreadable');
      if (value.length >= 8) expect((error as BackflowError).message).not.toContain(value);
    }
  });

  it('requires a 32-byte key', () => {
    expect(thrown(() => new SecretBox(randomBytes(16)))).toBeInstanceOf(ConfigError);
  });
});

describe('loadSecretKey', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'backflow-secret-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the data dir and a mode 600 key file, then reuses it', async () => {
    const dataDir = path.join(dir, 'nested', 'data');
    const key = await loadSecretKey(dataDir, {});
    expect(key.length).toBe(32);

    const file = path.join(dataDir, 'secret.key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64').equals(key)).toBe(true);

    const again = await loadSecretKey(dataDir, {});
    expect(again.equals(key)).toBe(true);
    expect(new SecretBox(again).open(new SecretBox(key).seal('kept across restarts'))).toBe('kept across restarts');
  });

  it('gives every process racing to create the key file the same key', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadSecretKey(dir, {})));
    const stored = Buffer.from((await readFile(path.join(dir, 'secret.key'), 'utf8')).trim(), 'base64');
    expect(stored.length).toBe(32);
    for (const key of keys) expect(key.equals(stored)).toBe(true);
  });

  it('refuses a key file other users can read', async () => {
    const file = path.join(dir, 'secret.key');
    await writeFile(file, randomBytes(32).toString('base64'));
    await chmod(file, 0o644);
    const error = await rejected(loadSecretKey(dir, {}));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(`chmod 600 ${file}`);
  });

  it('refuses a key file that does not hold 32 bytes, naming the file', async () => {
    const file = path.join(dir, 'secret.key');
    await writeFile(file, randomBytes(16).toString('base64'), { mode: 0o600 });
    const error = await rejected(loadSecretKey(dir, {}));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(file);
    expect((await readFile(file, 'utf8')).length).toBe(24);
  });

  it('takes BACKFLOW_SECRET_KEY as hex, base64 or url-safe base64 and writes no key file', async () => {
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => 0xff - i * 3));
    const spellings = [
      key.toString('hex'),
      key.toString('hex').toUpperCase(),
      key.toString('base64'),
      key.toString('base64url'),
      `${key.toString('base64')}\n`,
    ];
    for (const spelling of spellings) {
      const loaded = await loadSecretKey(dir, { BACKFLOW_SECRET_KEY: spelling });
      expect(loaded.equals(key)).toBe(true);
    }
    expect(key.toString('base64')).toMatch(/[+/]/);
    expect(key.toString('base64url')).toMatch(/[-_]/);
    await expect(stat(path.join(dir, 'secret.key'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a BACKFLOW_SECRET_KEY that is not 32 bytes without echoing it', async () => {
    const bad = [
      'correct-horse-battery-staple',
      randomBytes(16).toString('hex'),
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      `${randomBytes(32).toString('hex').slice(0, 63)}g`,
    ];
    for (const value of bad) {
      const error = await rejected(loadSecretKey(dir, { BACKFLOW_SECRET_KEY: value }));
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toContain('BACKFLOW_SECRET_KEY must be 32 bytes');
      expect(message).toContain('openssl rand -base64 32');
      expect(message).not.toContain(value);
      expect(JSON.stringify(error)).not.toContain(value);
    }
  });
});
