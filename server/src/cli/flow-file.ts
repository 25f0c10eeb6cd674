import { readFile } from 'node:fs/promises';
import { errorMessage } from '../errors.ts';
import { UsageError } from './store-access.ts';

/** The flow document in `file`, parsed; a file that cannot be read or parsed is a usage error (exit 2). */
export async function readFlowFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((error) => {
    throw new UsageError(`cannot read ${file}: ${errorMessage(error)}`);
  });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${errorMessage(error)}`);
  }
}
