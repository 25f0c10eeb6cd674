import { describeWithServices, mariadbService } from '../../testing/services.ts';
import { sqlSourceSuite } from '../../testing/sql-source-suite.ts';
import { mysqlSource } from './source.ts';
import type { MysqlSourceConfig } from './source-config.ts';
import { useMysqlDatabase } from './test-database.ts';

await describeWithServices('mysql.source reads', [mariadbService], () => {
  const db = useMysqlDatabase();
  sqlSourceSuite<MysqlSourceConfig>({
    type: mysqlSource,
    config: (what) => ({ url: db.url, ...what }),
    sql: db.sql,
    timestampType: 'datetime(6)',
  });
});
