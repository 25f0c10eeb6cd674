/** `mysql.destination` as a mirror: runs failing before and after prepare resume exact, as flows against the test server (testing/sql-mirror-suite.ts). */
import { describeWithServices, mariadbService } from '../../testing/services.ts';
import { sqlMirrorSuite } from '../../testing/sql-mirror-suite.ts';
import { mysqlDestination } from './destination.ts';
import { useMysqlDatabase } from './test-database.ts';

const db = useMysqlDatabase();

await describeWithServices('mysql.destination mirror, failed and resumed', [mariadbService], () => {
  sqlMirrorSuite({
    part: 'resumes',
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
