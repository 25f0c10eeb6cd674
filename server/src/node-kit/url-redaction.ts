/**
 * A connection URL's password is never shown (DESIGN.md §8): wherever a URL may appear (a
 * destination's `location()`, a run's outputs, an error, a log line), `postgres://app:pw@db/shop`
 * reads `postgres://app:***@db/shop`. Connectors use `redactUrl` for a URL they show; the server's
 * redactor applies `redactUrlPasswords` to every text it lets out, so a URL a driver quotes in its
 * own error message is caught too.
 */

/** What a redacted password reads as. */
export const passwordMark = '***';

/**
 * `scheme://user:password@` — the password runs to the last `@` of the authority, so an unencoded
 * `@` inside it (a common mistake) is still covered.
 */
const userInfo = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/?#@]*):([^\s/?#]*)@/gi;

/** `password=…` / `pwd=…` / `pass=…` parameters in a URL's query (`?sslmode=require&password=pw`). */
const passwordParameter = /([?&;](?:password|passwd|pwd|pass)=)[^\s&;#]*/gi;

/** `text` with the password of every URL in it replaced by `***`; user, host and path are kept. */
export function redactUrlPasswords(text: string): string {
  if (!text.includes('://')) return text;
  return text
    .replace(userInfo, (_, scheme: string, user: string, password: string) =>
      password === '' ? `${scheme}${user}:@` : `${scheme}${user}:${passwordMark}@`,
    )
    .replace(passwordParameter, `$1${passwordMark}`);
}

/** A connection URL fit to show: its password (in the user info or a query parameter) replaced by `***`. */
export function redactUrl(url: string): string {
  return redactUrlPasswords(url);
}

/**
 * What of a secret config value must never be shown: for a connection URL, its passwords (the
 * user info's, as written and decoded, and any password parameter), since the rest of it (user,
 * host, database) is what a user needs to see where a run wrote; any other value whole.
 */
export function secretParts(value: string): string[] {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return [value];
  const parts: string[] = [];
  for (const match of value.matchAll(userInfo)) if (match[3]) parts.push(match[3]);
  for (const match of value.matchAll(/[?&;](?:password|passwd|pwd|pass)=([^\s&;#]*)/gi))
    if (match[1]) parts.push(match[1]);
  const decoded = parts.flatMap((part) => {
    try {
      const plain = decodeURIComponent(part);
      return plain === part ? [] : [plain];
    } catch {
      return [];
    }
  });
  return [...parts, ...decoded];
}
