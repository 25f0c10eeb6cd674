/** `mysql.destination` as a mirror into a table it creates, and runs failing before and after prepare that resume exact, as flows against the test server (testing/sql-mirror-suite.ts). */
import { describeWithServices, mariadbService } from '../../testing/services.ts';
import { sqlMirrorSuite } from '../../testing/sql-mirror-suite.ts';
import { mysqlMirrorTarget, useMysqlDatabase } from './test-database.ts';

const db = useMysqlDatabase();

await describeWithServices('mysql.destination mirror, created and resumed', [mariadbService], () => {
  sqlMirrorSuite({ part: 'created and resumed', ...mysqlMirrorTarget(db) });
});
