/** `postgres.destination` as a mirror and in update mode, as flows against the test server (testing/sql-mirror-suite.ts). */
import { describeWithServices, postgresService } from '../../testing/services.ts';
import { sqlMirrorSuite } from '../../testing/sql-mirror-suite.ts';
import { postgresMirrorTarget, usePostgresDatabase } from './test-database.ts';

const db = usePostgresDatabase();

await describeWithServices('postgres.destination mirror and update', [postgresService], () => {
  sqlMirrorSuite({ part: 'syncs', ...postgresMirrorTarget(db) });
});
