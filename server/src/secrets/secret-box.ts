import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackflowError, ConfigError } from '../errors.ts';

const keyBytes = 32;
const ivBytes = 12;
const tagBytes = 16;
const version = 'v1';
const keyFileName = 'secret.key';
const envKeyHint = `BACKFLOW_SECRET_KEY must be ${keyBytes} bytes, as 64 hex characters or base64; generate one with: openssl rand -base64 32`;

const hexKey = /^[0-9a-fA-F]{64}$/;
const base64Text = /^[A-Za-z0-9+/_-]+={0,2}$/;
const base64UrlText = /^[A-Za-z0-9_-]*$/;

/** Decodes a key written as 64 hex characters or base64 (standard or url-safe); undefined unless it is 32 bytes. */
function decodeKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (hexKey.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (!base64Text.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed, 'base64');
  return key.length === keyBytes ? key : undefined;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function readKeyFile(file: string): Promise<Buffer | undefined> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read the secret key file ${file}`, { file, cause: error });
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new ConfigError(
      `the secret key file ${file} can be read by other users (mode ${(mode & 0o777).toString(8)}); restrict it with: chmod 600 ${file}`,
      { file },
    );
  }
  const text = await readFile(file, 'utf8');
  const key = decodeKey(text);
  if (!key) {
    throw new ConfigError(
      `the secret key file ${file} does not hold a ${keyBytes}-byte key in base64; restore it from a backup, or delete it to generate a new one (secrets sealed with the old key will be unreadable)`,
      { file },
    );
  }
  return key;
}

/** Another process won the race to create the key file: wait until its content is written, then read it. */
async function readRacedKeyFile(file: string): Promise<Buffer> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const text = await readFile(file, 'utf8');
    if (text.trim() !== '') break;
    await sleep(25);
  }
  const key = await readKeyFile(file);
  if (!key) throw new ConfigError(`the secret key file ${file} disappeared while it was being created`, { file });
  return key;
}

/**
 * The key that seals stored secrets: `BACKFLOW_SECRET_KEY` when set, else `<dataDir>/secret.key`,
 * created (mode 600) with a random key on first use.
 */
export async function loadSecretKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const fromEnv = env.BACKFLOW_SECRET_KEY;
  if (fromEnv !== undefined && fromEnv !== '') {
    const key = decodeKey(fromEnv);
    if (!key) throw new ConfigError(envKeyHint);
    return key;
  }

  const file = path.join(dataDir, keyFileName);
  const existing = await readKeyFile(file);
  if (existing) return existing;

  const key = randomBytes(keyBytes);
  await mkdir(dataDir, { recursive: true });
  try {
    await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return readRacedKeyFile(file);
    throw new ConfigError(`cannot create the secret key file ${file}`, { file, cause: error });
  }
  return key;
}

function unreadable(cause?: unknown): BackflowError {
  return new BackflowError(
    'secret_unreadable',
    'a stored secret cannot be decrypted with this key: it was sealed with a different BACKFLOW_SECRET_KEY or secret.key file, or it is damaged; restore the original key or enter the secret again',
    cause === undefined ? {} : { cause },
  );
}

/** Decodes canonical base64url only, so a sealed value has exactly one spelling. */
function decodeBase64Url(text: string, length?: number): Buffer | undefined {
  if (!base64UrlText.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) return undefined;
  if (length !== undefined && bytes.length !== length) return undefined;
  return bytes;
}

/** Seals and opens secrets with AES-256-GCM: `v1.<iv>.<tag>.<ciphertext>`, each part base64url. */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== keyBytes) throw new ConfigError(`the secret key must be ${keyBytes} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: tagBytes });
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [version, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== version) throw unreadable();
    const iv = decodeBase64Url(parts[1]!, ivBytes);
    const tag = decodeBase64Url(parts[2]!, tagBytes);
    const ciphertext = decodeBase64Url(parts[3]!);
    if (!iv || !tag || !ciphertext) throw unreadable();
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: tagBytes });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch (error) {
      throw unreadable(error);
    }
  }
}
