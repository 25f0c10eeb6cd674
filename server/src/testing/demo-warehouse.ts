/** The demo warehouse of this test run, copied to where a test or a test server needs one. */
import { constants } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import { ensureDemoWarehouse } from '../demo/warehouse.ts';

/**
 * Copies this test run's demo warehouse to `file`, unless a file is there: the same bytes
 * `ensureDemoWarehouse` would build, in milliseconds instead of seconds of CPU. The first caller
 * builds it where vitest's global setup says (demo-warehouse-setup.ts); the copy is the test's own.
 */
export async function copyDemoWarehouse(file: string): Promise<void> {
  const built = inject('demoWarehouse');
  if (built === undefined) {
    throw new Error('no demoWarehouse: run the tests with vitest.config.ts, whose globalSetup provides it');
  }
  await ensureDemoWarehouse(built);
  await mkdir(path.dirname(file), { recursive: true });
  await copyFile(built, file, constants.COPYFILE_EXCL).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
}
