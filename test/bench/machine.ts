/** The machine the numbers come from, printed above the table: a ratio means little without it. */
import os from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  platform: string;
  node: string;
  duckdb: string;
  /** 1-minute load average as the bench starts: above ~0.5 on this machine, something else competes for the cores. */
  loadAverage: number;
}

export async function describeMachine(): Promise<Machine> {
  return {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.arch()}`,
    node: process.version,
    duckdb: await duckdbVersion(),
    loadAverage: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

async function duckdbVersion(): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    const [row] = (await connection.runAndReadAll('SELECT version()')).getRows();
    connection.closeSync();
    return String(row?.[0]);
  } finally {
    instance.closeSync();
  }
}

export function machineLine(machine: Machine): string {
  return [
    `${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, ${machine.platform}`,
    `Node ${machine.node}, DuckDB ${machine.duckdb}, load average ${machine.loadAverage} at start`,
  ].join(', ');
}
