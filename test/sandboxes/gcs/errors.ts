/** The `reason` GCS puts in `error.errors[0].reason`; clients branch on it and on the status. */
export type GcsErrorReason =
  | 'invalid'
  | 'required'
  | 'parseError'
  | 'notFound'
  | 'conflict'
  | 'conditionNotMet'
  | 'notModified'
  | 'requestedRangeNotSatisfiable'
  | 'backendError'
  | 'rateLimitExceeded'
  | 'internalError';

/** An error answered the way the GCS JSON API answers it: a status and `{ error: { code, message, errors } }`. */
export class GcsError extends Error {
  constructor(
    readonly status: number,
    readonly reason: GcsErrorReason,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GcsError';
  }

  get body(): unknown {
    return {
      error: {
        code: this.status,
        message: this.message,
        errors: [{ message: this.message, domain: 'global', reason: this.reason }],
      },
    };
  }
}

export const noSuchBucket = () => new GcsError(404, 'notFound', 'The specified bucket does not exist.');

export const noSuchObject = (bucket: string, name: string) =>
  new GcsError(404, 'notFound', `No such object: ${bucket}/${name}`);

export const preconditionFailed = () =>
  new GcsError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');

export const invalid = (message: string) => new GcsError(400, 'invalid', message);
