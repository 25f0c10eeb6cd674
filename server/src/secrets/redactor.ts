import { redactUrlPasswords } from '../node-kit/url-redaction.ts';

export const redactedMark = '[redacted]';

/** Secrets shorter than this are not redacted: replacing "a" everywhere would mangle every message. */
const minSecretLength = 4;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The secret itself and the encodings it usually leaks in: JSON-escaped, base64, URL-encoded. */
function spellings(secret: string): string[] {
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret, 'utf8').toString('base64'),
    encodeURIComponent(secret),
  ];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Replaces every known secret in text with `[redacted]`, and the password of every URL with `***`
 * (`postgres://app:***@db/shop`, whether or not the password is known: a driver may quote a URL in
 * its own message). A secret added twice (two connections sharing a password) stays redacted until
 * it is removed twice.
 */
export class Redactor {
  readonly #secrets = new Map<string, number>();
  #pattern: RegExp | undefined;

  add(secret: string): void {
    if (secret.length < minSecretLength) return;
    this.#secrets.set(secret, (this.#secrets.get(secret) ?? 0) + 1);
    this.#pattern = undefined;
  }

  remove(secret: string): void {
    const count = this.#secrets.get(secret);
    if (count === undefined) return;
    if (count > 1) this.#secrets.set(secret, count - 1);
    else this.#secrets.delete(secret);
    this.#pattern = undefined;
  }

  redact(text: string): string {
    // URLs first, so a known URL still reads as one (user, host, database) with its password masked.
    const masked = redactUrlPasswords(text);
    if (this.#secrets.size === 0) return masked;
    return masked.replace(this.#compile(), redactedMark);
  }

  /** A copy of plain objects and arrays with every string value redacted; keys and other values are kept. */
  redactDeep<T>(value: T): T {
    const copies = new Map<object, unknown>();
    const walk = (item: unknown): unknown => {
      if (typeof item === 'string') return this.redact(item);
      if (Array.isArray(item)) {
        const seen = copies.get(item);
        if (seen) return seen;
        const copy: unknown[] = [];
        copies.set(item, copy);
        for (const element of item) copy.push(walk(element));
        return copy;
      }
      if (isPlainObject(item)) {
        const seen = copies.get(item);
        if (seen) return seen;
        const copy: Record<string, unknown> = Object.getPrototypeOf(item) === null ? Object.create(null) : {};
        copies.set(item, copy);
        for (const [key, element] of Object.entries(item)) {
          // defineProperty, not assignment, so an own `__proto__` key stays a key.
          Object.defineProperty(copy, key, {
            value: walk(element),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return copy;
      }
      return item;
    };
    return walk(value) as T;
  }

  #compile(): RegExp {
    if (this.#pattern) return this.#pattern;
    const all = new Set<string>();
    for (const secret of this.#secrets.keys()) for (const spelling of spellings(secret)) all.add(spelling);
    // Longest first: alternation takes the first branch that matches, so a secret containing another wins.
    const sorted = [...all].sort((a, b) => b.length - a.length);
    this.#pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
    return this.#pattern;
  }
}
