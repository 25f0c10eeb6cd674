/** `postgres.destination` as a mirror into a table it creates, and runs failing before and after prepare that resume exact, as flows against the test server (testing/sql-mirror-suite.ts). */
import { describeWithServices, postgresService } from '../../testing/services.ts';
import { sqlMirrorSuite } from '../../testing/sql-mirror-suite.ts';
import { postgresMirrorTarget, usePostgresDatabase } from './test-database.ts';

const db = usePostgresDatabase();

await describeWithServices('postgres.destination mirror, created and resumed', [postgresService], () => {
  sqlMirrorSuite({ part: 'created and resumed', ...postgresMirrorTarget(db) });
});
