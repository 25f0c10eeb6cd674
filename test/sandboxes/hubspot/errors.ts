import { randomUUID } from 'node:crypto';

/** The `category` HubSpot puts in an error body; clients branch on it and on the status. */
export type HubspotErrorCategory =
  | 'VALIDATION_ERROR'
  | 'OBJECT_NOT_FOUND'
  | 'CONFLICT'
  | 'OBJECT_ALREADY_EXISTS'
  | 'INVALID_AUTHENTICATION'
  | 'RATE_LIMITS'
  | 'INTERNAL_ERROR'
  | 'SERVICE_UNAVAILABLE';

/** One failed property of a record, as HubSpot lists them inside "Property values were not valid". */
export interface PropertyProblem {
  isValid: false;
  message: string;
  error: string;
  name: string;
}

/**
 * An error answered the way the CRM v3 APIs answer it:
 * `{ status: "error", message, correlationId, category, context?, errors? }`.
 */
export class HubspotError extends Error {
  readonly correlationId = randomUUID();

  constructor(
    readonly status: number,
    readonly category: HubspotErrorCategory,
    message: string,
    readonly extra: { context?: Record<string, string[]>; errors?: unknown[]; subCategory?: string } = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HubspotError';
  }

  get body(): Record<string, unknown> {
    return {
      status: 'error',
      message: this.message,
      correlationId: this.correlationId,
      category: this.category,
      ...this.extra,
    };
  }
}

/** A 429 carries HubSpot's rate-limit body (`errorType`, `policyName`) rather than a category. */
export class RateLimitError extends HubspotError {
  constructor(
    readonly policyName: 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY',
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(429, 'RATE_LIMITS', message, {}, headers);
  }

  override get body(): Record<string, unknown> {
    return {
      status: 'error',
      message: this.message,
      errorType: 'RATE_LIMIT',
      correlationId: this.correlationId,
      policyName: this.policyName,
      requestId: randomUUID(),
    };
  }
}

export const invalidInput = (message: string, context?: Record<string, string[]>) =>
  new HubspotError(400, 'VALIDATION_ERROR', message, context ? { context } : {});

/** HubSpot's answer to bad property values: the problems as JSON inside the message, one per property. */
export class PropertyValuesError extends HubspotError {
  constructor(readonly problems: PropertyProblem[]) {
    super(400, 'VALIDATION_ERROR', `Property values were not valid: ${JSON.stringify(problems)}`, {
      errors: problems.map((problem) => ({
        message: problem.message,
        code: problem.error,
        context: { propertyName: [problem.name] },
      })),
    });
  }
}

export const invalidProperties = (problems: PropertyProblem[]) => new PropertyValuesError(problems);

export const objectNotFound = (id: string) =>
  new HubspotError(404, 'OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', {
    context: { id: [id] },
  });

export const unauthenticated = () =>
  new HubspotError(
    401,
    'INVALID_AUTHENTICATION',
    'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
  );
