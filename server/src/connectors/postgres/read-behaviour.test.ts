import { describeWithServices, postgresService } from '../../testing/services.ts';
import { sqlSourceSuite } from '../../testing/sql-source-suite.ts';
import { postgresSource } from './source.ts';
import type { PostgresSourceConfig } from './source-config.ts';
import { usePostgresDatabase } from './test-database.ts';

await describeWithServices('postgres.source reads', [postgresService], () => {
  const db = usePostgresDatabase();
  sqlSourceSuite<PostgresSourceConfig>({
    type: postgresSource,
    config: (what) => ({ url: db.url, ...what }),
    sql: (text, values) => {
      let index = 0;
      return db.sql(
        text.replace(/\?/g, () => `$${++index}`),
        values,
      );
    },
    timestampType: 'timestamp(6)',
  });
});
