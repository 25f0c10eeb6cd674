/** sheets.destination through the conformance suite, against the Sheets sandbox (service-account sign-in). */
import { sheetsDestination } from '../../server/src/connectors/sheets/destination.ts';
import type { Rec } from '../../server/src/node-kit/contract.ts';
import { recordItem } from '../../server/src/testing/conformance/checks.ts';
import { describeConformance } from '../../server/src/testing/conformance/describe-conformance.ts';
import { sandbox, tabRecords } from './sheets-support.ts';

/** Rows with the nasty cases: quotes, newlines, unicode, emoji, a formula-looking text, leading zeros. */
const customers = (count: number, from = 0): Rec[] =>
  Array.from({ length: count }, (_, n) => {
    const i = from + n;
    return {
      id: i,
      name: [`Zoë ${i}`, `"Quoted", ${i}`, `two\nlines ${i}`, `名前 ${i} 🙂`][i % 4]!,
      code: i % 3 === 0 ? `=SUM(A${i})` : `00${i}`,
      vip: i % 2 === 0,
    };
  });

const wrongKey = JSON.stringify({ client_email: 'nobody@example.iam.gserviceaccount.com', private_key: 'not a key' });
let privateKey = '';

describeConformance({
  name: 'sheets',
  destination: {
    type: sheetsDestination,
    async setUp() {
      const sheets = await sandbox();
      const key = sheets.serviceAccountKey();
      privateKey = key.private_key;
      const spreadsheetId = sheets.createSpreadsheet([{ title: 'Notes', rows: [['kept']] }]);
      return {
        config: {
          baseUrl: sheets.url,
          serviceAccountKey: JSON.stringify(key),
          spreadsheetId,
          sheet: 'Customers',
          mode: 'replace' as const,
        },
        payloads: [0, 1, 2, 3, 4].map((batch) => ({
          kind: 'records' as const,
          stream: 'customers',
          records: customers(6, batch * 6),
        })),
        readBack: async () => (tabRecords(sheets, spreadsheetId, 'Customers') ?? []).map(recordItem),
      };
    },
    async refused() {
      const sheets = await sandbox();
      return {
        baseUrl: sheets.url,
        accessToken: 'ya29.not-a-token',
        spreadsheetId: 'demo',
        sheet: 'T',
        mode: 'replace' as const,
      };
    },
    async refusable() {
      const sheets = await sandbox();
      const spreadsheetId = sheets.createSpreadsheet([{ title: 'Leads', rows: [['id', 'note']] }]);
      return {
        config: {
          baseUrl: sheets.url,
          accessToken: 'ya29.sandbox-token',
          spreadsheetId,
          sheet: 'Leads',
          mode: 'append' as const,
        },
        payload: {
          kind: 'records',
          stream: 'leads',
          records: [
            { id: 1, note: 'fine' },
            { id: 2, note: 'x'.repeat(50_001) },
            { id: 3, colour: 'not a column' },
            { id: 4 },
          ],
        },
        refused: 2,
      };
    },
  },
  get secrets() {
    return [privateKey, 'ya29.sandbox-token', 'ya29.not-a-token', wrongKey].filter(Boolean);
  },
});
