import csvToDuckdb from '../../../examples/csv-to-duckdb.json';
import warehouseBackup from '../../../examples/warehouse-backup.json';
import warehouseToParquet from '../../../examples/warehouse-to-parquet.json';
import type { Flow } from '../api/types.ts';

/** The repository's examples, bundled into the editor as starting points. */
export const templates: readonly Flow[] = [warehouseBackup, warehouseToParquet, csvToDuckdb] as Flow[];
