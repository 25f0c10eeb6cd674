import { BackflowError, type ErrorContext } from '../../errors.ts';

/**
 * - `http_status`: the API answered an error status that is not retried (4xx other than 408 and 429).
 * - `http_network`: no answer (refused, reset, DNS, timeout).
 * - `http_retries_exhausted`: 429, 5xx or network failures until the retries ran out; `cause` is the last.
 * - `http_rate_limited`: the API asked for a longer wait than the client's `maxWaitMs`.
 * - `http_invalid_response`: a success whose body is not JSON.
 * - `http_invalid_request`: fetch refused to send the request (e.g. a header value with a line break).
 */
export type HttpApiErrorCode =
  | 'http_status'
  | 'http_network'
  | 'http_retries_exhausted'
  | 'http_rate_limited'
  | 'http_invalid_response'
  | 'http_invalid_request';

export interface HttpApiErrorFields {
  method: string;
  /** The request's path without its query string: query values and headers may carry secrets. */
  path: string;
  status?: number;
  /** The start of the answer's body, secrets replaced by `[redacted]`. */
  bodyExcerpt?: string;
  attempts: number;
  /** The wait the server asked for (`Retry-After`, rate-limit reset), when it named one. */
  retryAfterMs?: number;
}

/** A request to an HTTP API failed. The message names host, method, path and status, never a credential. */
export class HttpApiError extends BackflowError {
  declare readonly code: HttpApiErrorCode;
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly bodyExcerpt: string | undefined;
  readonly attempts: number;
  readonly retryAfterMs: number | undefined;

  constructor(code: HttpApiErrorCode, message: string, fields: HttpApiErrorFields, context: ErrorContext = {}) {
    super(code, message, context);
    this.method = fields.method;
    this.path = fields.path;
    this.status = fields.status;
    this.bodyExcerpt = fields.bodyExcerpt;
    this.attempts = fields.attempts;
    this.retryAfterMs = fields.retryAfterMs;
  }

  /** Whether another attempt may succeed: 408 (the server gave up waiting for the request), 429, 5xx, no answer. */
  get retryable(): boolean {
    if (this.code === 'http_network') return true;
    return this.code === 'http_status' && (this.status === 408 || this.status === 429 || (this.status ?? 0) >= 500);
  }
}
