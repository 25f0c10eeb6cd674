/**
 * A Web API refusal: Slack answers HTTP 200 with `{ ok: false, error }` (plus `needed`, `warning`
 * or `response_metadata.messages` for some), except rate limits (429 with `Retry-After`) and
 * server failures (5xx).
 */
export class SlackError extends Error {
  constructor(
    readonly error: string,
    readonly status = 200,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
    this.name = 'SlackError';
  }

  get body(): Record<string, unknown> {
    return { ok: false, error: this.error, ...this.extra };
  }
}

/** Slack's answer to a request over a rate limit: 429, `Retry-After` in seconds, `ratelimited`. */
export function rateLimited(retryAfterSeconds: number): SlackError {
  return new SlackError('ratelimited', 429, { 'Retry-After': String(retryAfterSeconds) });
}

/** An argument the method could not read: Slack's `invalid_arguments` with the problem. */
export function invalidArguments(message: string): SlackError {
  return new SlackError('invalid_arguments', 200, {}, { response_metadata: { messages: [`[ERROR] ${message}`] } });
}
