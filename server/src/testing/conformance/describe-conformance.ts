/**
 * The conformance suite as vitest tests: a connector's test file calls `describeConformance` with
 * its harness (a few lines of set-up) and gets one test per check. A connector is not done until
 * it passes them all (connectors/README.md).
 */
import { describe, it } from 'vitest';
import { temporaryDirectory } from '../node-context.ts';
import {
  checkAccess,
  checkConfigSchema,
  checkDiscover,
  checkFullRead,
  checkKillAndResume,
  checkNoSecretLeaks,
  checkRejects,
  checkReplay,
} from './checks.ts';
import type { ConformanceHarness } from './harness.ts';

export function describeConformance<SC, DC>(harness: ConformanceHarness<SC, DC>): void {
  const { name, source, destination } = harness;
  describe(`${name} conformance`, () => {
    if (source) {
      const type = source.type.type;
      it(`${type}: its config schema compiles and marks secrets writeOnly`, () => checkConfigSchema(name, source.type));
      it(`${type}: check passes on a working config and refuses a broken one readably`, async () => {
        const dir = await temporaryDirectory();
        const { config } = await source.setUp(dir);
        await checkAccess(name, source.type, dir, config, await source.refused(dir));
      });
      it.skipIf(!source.type.discover)(`${type}: discover lists streams with typed columns`, async () => {
        const dir = await temporaryDirectory();
        await checkDiscover(name, source.type, dir, (await source.setUp(dir)).config);
      });
      it(`${type}: a full read is exact`, async () => checkFullRead(name, source, await temporaryDirectory()));
      it(`${type}: killed at a batch and resumed, nothing is lost or read twice`, async () =>
        checkKillAndResume(name, source, await temporaryDirectory()));
    }
    if (destination) {
      const type = destination.type.type;
      it(`${type}: its config schema compiles and marks secrets writeOnly`, () =>
        checkConfigSchema(name, destination.type));
      it(`${type}: check passes on a working config and refuses a broken one readably`, async () => {
        const dir = await temporaryDirectory();
        const { config } = await destination.setUp(dir);
        await checkAccess(name, destination.type, dir, config, await destination.refused(dir));
      });
      it(`${type}: a replayed batch after a crash lands as ${destination.type.publishes} promises`, async () =>
        checkReplay(name, destination, await temporaryDirectory()));
      it.skipIf(!destination.refusable)(`${type}: rejected records carry reasons`, async () =>
        checkRejects(name, destination, await temporaryDirectory()),
      );
    }
    it('no secret reaches a log line or an error message', async () =>
      checkNoSecretLeaks(harness, await temporaryDirectory()));
  });
}
