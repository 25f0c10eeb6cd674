/**
 * Salesforce's errors as reasons a user reads on a rejected record: `errorCode: message (fields)`,
 * from a save result (`statusCode`), an error body (`errorCode`) or a Bulk API `sf__Error`.
 */
import { HttpApiError } from '../../node-kit/http/index.ts';

/** One error as the REST API lists it; save results call the code `statusCode`, error bodies `errorCode`. */
export interface SalesforceErrorItem {
  statusCode?: string;
  errorCode?: string;
  message?: string;
  fields?: string[];
}

export function reasonOf(errors: readonly SalesforceErrorItem[]): string {
  if (errors.length === 0) return 'Salesforce refused the record without saying why';
  return errors
    .map((error) => {
      const code = error.statusCode ?? error.errorCode ?? 'ERROR';
      const fields = error.fields && error.fields.length > 0 ? ` (${error.fields.join(', ')})` : '';
      return `${code}: ${error.message ?? ''}${fields}`;
    })
    .join('; ');
}

/** The reason a request refused whole (400) gives: its error body, or the answer's text. */
export function refusalReason(error: HttpApiError): string {
  const excerpt = error.bodyExcerpt ?? '';
  try {
    const body = JSON.parse(excerpt) as unknown;
    if (Array.isArray(body)) return reasonOf(body as SalesforceErrorItem[]);
  } catch {
    // cut short or not JSON: the excerpt says it as well as anything
  }
  return excerpt || error.message;
}

/** A request Salesforce refused whole because of what it held (400): the records are to blame, not the connection. */
export function isRefusedForItsRecords(error: unknown): error is HttpApiError {
  return error instanceof HttpApiError && error.code === 'http_status' && error.status === 400;
}
