/** `mysql.destination` as a mirror into a table it creates, and runs failing before and after prepare that resume exact, as flows against the test server (testing/sql-mirror-suite.ts). */
import { describeWithServices, mariadbService } from '../../testing/services.ts';
import { sqlMirrorSuite } from '../../testing/sql-mirror-suite.ts';
import { mysqlDestination } from './destination.ts';
import { useMysqlDatabase } from './test-database.ts';

const db = useMysqlDatabase();

await describeWithServices('mysql.destination mirror, created and resumed', [mariadbService], () => {
  sqlMirrorSuite({
    part: 'created and resumed',
    type: mysqlDestination as never,
    db,
    shown: (table) => table,
    runTables: async () =>
      (
        await db.sql(
          `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_backflow\\_%' ORDER BY 1`,
        )
      ).map((row) => row.name as string),
  });
});
