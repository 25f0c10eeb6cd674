/** `postgres.destination` as a mirror into a table it creates, and runs failing before and after prepare that resume exact, as flows against the test server (testing/sql-mirror-suite.ts). */
import { describeWithServices, postgresService } from '../../testing/services.ts';
import { sqlMirrorSuite } from '../../testing/sql-mirror-suite.ts';
import { postgresDestination } from './destination.ts';
import { usePostgresDatabase } from './test-database.ts';

const db = usePostgresDatabase();

await describeWithServices('postgres.destination mirror, created and resumed', [postgresService], () => {
  sqlMirrorSuite({
    part: 'created and resumed',
    type: postgresDestination as never,
    db,
    shown: (table) => `public.${table}`,
    runTables: async () =>
      (await db.sql(`SELECT relname FROM pg_class WHERE relname LIKE '\\_backflow\\_%' ORDER BY 1`)).map(
        (row) => row.relname as string,
      ),
  });
});
