/**
 * A whole request refused the way Salesforce REST refuses it: a status and
 * `[{ message, errorCode, fields? }]`. jsforce turns the first entry into an error named by `errorCode`.
 */
export class SalesforceError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'SalesforceError';
  }

  get body(): unknown {
    return [{ message: this.message, errorCode: this.errorCode, ...(this.fields ? { fields: this.fields } : {}) }];
  }
}

/** The refusal of one record in a DML call; the call itself succeeds. */
export interface RecordError {
  code: string;
  message: string;
  fields: string[];
}

export const recordError = (code: string, message: string, fields: string[] = []): RecordError => ({
  code,
  message,
  fields,
});

/** A record error raised as a whole-request error (single-record REST calls answer 400 with it). */
export class RecordRefused extends Error {
  constructor(readonly error: RecordError) {
    super(error.message);
    this.name = 'RecordRefused';
  }
}

export const notFound = () => new SalesforceError(404, 'NOT_FOUND', 'The requested resource does not exist');

export const jsonParserError = (message: string) => new SalesforceError(400, 'JSON_PARSER_ERROR', message);
