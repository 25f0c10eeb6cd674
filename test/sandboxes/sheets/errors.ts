/** Google's canonical status names, as the Sheets API puts them in `error.status`. */
export type GoogleStatus =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'RESOURCE_EXHAUSTED'
  | 'INTERNAL'
  | 'UNAVAILABLE';

/** An error answered the way Google APIs answer: `{ error: { code, message, status } }`. */
export class SheetsError extends Error {
  constructor(
    readonly code: number,
    readonly status: GoogleStatus,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'SheetsError';
  }

  get body(): { error: { code: number; message: string; status: GoogleStatus } } {
    return { error: { code: this.code, message: this.message, status: this.status } };
  }
}

export const invalidArgument = (message: string) => new SheetsError(400, 'INVALID_ARGUMENT', message);

export const notFound = () => new SheetsError(404, 'NOT_FOUND', 'Requested entity was not found.');

export const unauthenticated = () =>
  new SheetsError(
    401,
    'UNAUTHENTICATED',
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
  );

export function quotaExceeded(metric: 'Read' | 'Write', retryAfterSeconds: number): SheetsError {
  return new SheetsError(
    429,
    'RESOURCE_EXHAUSTED',
    `Quota exceeded for quota metric '${metric} requests' and limit '${metric} requests per minute per user' of service 'sheets.googleapis.com'.`,
    { 'Retry-After': String(retryAfterSeconds) },
  );
}
