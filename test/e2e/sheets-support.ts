/** What the Sheets e2e tests share: a sandbox per test, a node context, and a tab read back as records. */
import { onTestFinished } from 'vitest';
import type { Rec } from '../../server/src/node-kit/contract.ts';
import { type TestContext, temporaryDirectory, testContext } from '../../server/src/testing/node-context.ts';
import { type SheetsSandbox, type SheetsSandboxOptions, startSheetsSandbox } from '../sandboxes/sheets/server.ts';

export async function sandbox(options: SheetsSandboxOptions = {}): Promise<SheetsSandbox> {
  const started = await startSheetsSandbox(options);
  onTestFinished(() => started.close());
  return started;
}

export async function context(overrides: Partial<TestContext> = {}): Promise<TestContext> {
  return testContext(await temporaryDirectory(), overrides);
}

/** A tab's rows under its header row as records (empty cells left out); `undefined` when there is no such tab. */
export function tabRecords(sheets: SheetsSandbox, spreadsheetId: string, title: string): Rec[] | undefined {
  const tab = sheets.tabs(spreadsheetId).find((candidate) => candidate.title === title);
  if (!tab) return undefined;
  const [header = [], ...rows] = tab.rows;
  return rows.map((cells) =>
    Object.fromEntries(
      header.flatMap((name, column) => (cells[column] === undefined ? [] : [[String(name), cells[column]]])),
    ),
  );
}

/** The visible tabs' titles, in order (staging tabs are hidden). */
export function visibleTabs(sheets: SheetsSandbox, spreadsheetId: string): string[] {
  return sheets
    .tabs(spreadsheetId)
    .filter((tab) => !tab.hidden)
    .map((tab) => tab.title);
}
