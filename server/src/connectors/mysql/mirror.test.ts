/** `mysql.destination` as a mirror and in update mode, as flows against the test server (testing/sql-mirror-suite.ts). */
import { describeWithServices, mariadbService } from '../../testing/services.ts';
import { sqlMirrorSuite } from '../../testing/sql-mirror-suite.ts';
import { mysqlMirrorTarget, useMysqlDatabase } from './test-database.ts';

const db = useMysqlDatabase();

await describeWithServices('mysql.destination mirror and update', [mariadbService], () => {
  sqlMirrorSuite({ part: 'syncs', ...mysqlMirrorTarget(db) });
});
