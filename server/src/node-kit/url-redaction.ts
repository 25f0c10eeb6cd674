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
