/**
 * Preloaded into a `backflow` process by the kill tests (`NODE_OPTIONS=--import=…`, see
 * `holdBeforePart` in support.ts): the file named by BACKFLOW_TEST_HOLD_PART is never renamed into
 * place, so the run stays mid-backup, the parts before it landed and checkpointed, until the test
 * kills the process. Without it a kill races the backup's end on a fast (or busy) machine.
 * SIGTERM lets the held part go on, so a graceful stop finds its run as it would be mid-write.
 * Plain JavaScript: it loads before the CLI registers its TypeScript loader.
 */
import fsPromises from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

const held = process.env.BACKFLOW_TEST_HOLD_PART;
if (held) {
  let release;
  const released = new Promise((resolve) => {
    release = resolve;
  });
  process.once('SIGTERM', () => release());
  const rename = fsPromises.rename;
  fsPromises.rename = async (from, to) => {
    if (path.basename(String(to)) === held) {
      process.stderr.write(`hold-part: holding ${held}\n`);
      await released;
    }
    return rename(from, to);
  };
  // `import { rename } from 'node:fs/promises'` in the CLI's modules now gets the one above.
  syncBuiltinESMExports();
}
