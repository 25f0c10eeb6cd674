/**
 * `sheets.destination`: record streams into tabs of a Google spreadsheet (Sheets API v4), `replace`
 * or `append`, `publishes: 'staged'`: rows are written into hidden staging tabs during the run and
 * published at commit by atomic batchUpdates (see writer.ts), so readers never see a half-written
 * tab and a failed run leaves the tabs as they were. Records a cell cannot hold are rejected naming
 * the field; everything else that fails fails the run naming the node.
 */
import { ConfigError } from '../../errors.ts';
import { defineDestination } from '../../node-kit/contract.ts';
import { checkSheetsConfig, connectionFields, defaultBaseUrl, sheetsDestinationConfig, sheetsModes } from './config.ts';
import { sheetsApi, sheetsFailure } from './connection.ts';
import { Spreadsheet } from './spreadsheet.ts';
import { openSheetsWriter } from './writer.ts';

export const sheetsDestination = defineDestination({
  type: 'sheets.destination',
  title: 'Google Sheets destination',
  description:
    'Writes records into tabs of a Google spreadsheet: replace a tab with the run’s rows (header + rows) or append them, published when the run commits.',
  config: sheetsDestinationConfig,
  publishes: 'staged',
  modes: sheetsModes,
  inputs: [{ name: 'records', kind: 'records' }],
  connectionFields,
  checkConfig: checkSheetsConfig,
  async check(config, ctx) {
    const issue = checkSheetsConfig(config)[0];
    if (issue)
      throw new ConfigError(`node "${ctx.nodeId}": ${issue.message}`, { nodeId: ctx.nodeId, details: [issue] });
    await new Spreadsheet(sheetsApi(config, ctx, { retries: 1 }), config.spreadsheetId)
      .tabs()
      .catch((error: unknown) => {
        throw sheetsFailure(error, `node "${ctx.nodeId}": reading spreadsheet ${config.spreadsheetId}`, {
          nodeId: ctx.nodeId,
        });
      });
  },
  location(config) {
    const base = config.baseUrl ?? defaultBaseUrl;
    const where =
      base === defaultBaseUrl
        ? `https://docs.google.com/spreadsheets/d/${config.spreadsheetId}`
        : `${new URL(base).host} spreadsheet ${config.spreadsheetId}`;
    const tabs = config.sheets
      ? [...new Set(Object.values(config.sheets))].join(', ')
      : (config.sheet ?? 'tabs named by the streams');
    return `Google Sheets ${where}: ${tabs}`;
  },
  async open(config, ctx) {
    const issue = checkSheetsConfig(config)[0];
    if (issue)
      throw new ConfigError(`node "${ctx.nodeId}": ${issue.message}`, { nodeId: ctx.nodeId, details: [issue] });
    return openSheetsWriter(config, ctx, new Spreadsheet(sheetsApi(config, ctx), config.spreadsheetId));
  },
});
