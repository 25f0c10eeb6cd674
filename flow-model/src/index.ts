/** The flow document shared by the server and the editor: schema and types, port, graph and schedule rules. */
export * from './flow-schema.ts';
export * from './graph.ts';
export * from './issues.ts';
export type * from './json-schema.ts';
export * from './ports.ts';
export * from './schedule.ts';
