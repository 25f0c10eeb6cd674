/** The demo warehouse of this test run, copied to where a test or a test server needs one. */
import { constants } from 'node:fs';
import { access, copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
  await buildOnceAcrossWorkers(built);
  await mkdir(path.dirname(file), { recursive: true });
  await copyFile(built, file, constants.COPYFILE_EXCL).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
}

/**
 * One build for all the workers: the caller that makes the lock directory builds, the others wait
 * for the file (a builder that fails removes the lock, and the next caller tries again).
 */
async function buildOnceAcrossWorkers(file: string): Promise<void> {
  const lock = `${file}.lock`;
  while (!(await exists(file))) {
    const locked = await mkdir(lock).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') return false;
        throw error;
      },
    );
    if (!locked) {
      await sleep(100);
      continue;
    }
    try {
      await ensureDemoWarehouse(file);
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
}

function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
