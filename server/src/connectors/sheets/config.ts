/** `sheets.destination`'s config: one TypeBox declaration, the schema and the type. */
import { type Static, Type } from '@sinclair/typebox';
import type { ConfigIssue } from '../../node-kit/contract.ts';
import { baseUrlProperty, modeProperty, recordOf } from '../../node-kit/schema.ts';

export const sheetsModes = ['replace', 'append'] as const;
export const defaultBaseUrl = 'https://sheets.googleapis.com';
/** Google's quota: 60 write requests (and 60 reads) per minute per user. */
export const defaultRequestsPerMinute = 60;

const tabName = Type.String({ minLength: 1, maxLength: 90 });

export const sheetsDestinationConfig = Type.Object(
  {
    baseUrl: baseUrlProperty(defaultBaseUrl, "Google's Sheets API"),
    serviceAccountKey: Type.Optional(
      Type.String({
        minLength: 1,
        writeOnly: true,
        title: 'Service account key',
        description:
          'The JSON key file of a Google service account the spreadsheet is shared with (Editor). Give this or an access token.',
      }),
    ),
    accessToken: Type.Optional(
      Type.String({
        minLength: 1,
        writeOnly: true,
        title: 'Access token',
        description: 'An OAuth access token with the spreadsheets scope, instead of a service account key.',
      }),
    ),
    spreadsheetId: Type.String({
      minLength: 1,
      pattern: '^[A-Za-z0-9_-]+$',
      title: 'Spreadsheet ID',
      description: 'The id in the spreadsheet’s URL: docs.google.com/spreadsheets/d/<id>/edit.',
    }),
    sheet: Type.Optional({
      ...tabName,
      title: 'Tab',
      description: 'The tab every stream is written to. Default: the stream’s name.',
    }),
    sheets: Type.Optional(
      recordOf(tabName, {
        title: 'Tabs per stream',
        description: 'Stream → tab, e.g. { "customers": "Customers" }; wins over `sheet`.',
      }),
    ),
    mode: Type.Optional(
      modeProperty(sheetsModes, {
        default: 'replace',
        description:
          'replace: the tab becomes a header row plus the run’s rows, swapped in when the run commits; append: the run’s rows are added after the tab’s last row when it commits (by its header row, when it has one).',
      }),
    ),
    requestsPerMinute: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 600,
        default: defaultRequestsPerMinute,
        title: 'Write requests per minute',
        description:
          'The budget of write requests (and, apart, of reads) per minute for these credentials, shared by every run in this process (Google allows 60 per user).',
      }),
    ),
  },
  { additionalProperties: false },
);

export type SheetsDestinationConfig = Static<typeof sheetsDestinationConfig>;

export const connectionFields = ['baseUrl', 'serviceAccountKey', 'accessToken'] as const;

/** Exactly one way to authenticate; two streams never share a tab (one would overwrite the other). */
export function checkSheetsConfig(config: SheetsDestinationConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!config.serviceAccountKey === !config.accessToken) {
    issues.push({ path: 'serviceAccountKey', message: 'give either a service account key or an access token' });
  }
  if (config.serviceAccountKey) {
    try {
      const key = JSON.parse(config.serviceAccountKey) as Record<string, unknown>;
      for (const field of ['client_email', 'private_key'])
        if (typeof key[field] !== 'string')
          issues.push({ path: 'serviceAccountKey', message: `the service account key has no "${field}"` });
    } catch {
      issues.push({ path: 'serviceAccountKey', message: 'the service account key is not JSON (paste the key file)' });
    }
  }
  const tabs = Object.values(config.sheets ?? {});
  const repeated = tabs.find((tab, index) => tabs.indexOf(tab) !== index);
  if (repeated) issues.push({ path: 'sheets', message: `two streams are mapped to tab "${repeated}"` });
  return issues;
}

/** The tab a stream is written to. */
export function tabOf(config: SheetsDestinationConfig, stream: string): string {
  return config.sheets?.[stream] ?? config.sheet ?? stream;
}
