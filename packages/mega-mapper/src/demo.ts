// `@mega-crm/mega-mapper/demo`: a generated demo Mega (SQLite file or PostgreSQL schemas) for trials,
// tests and benchmarks. Apart from the root entry so that production hosts never load it.

export type { DirtyKind, DirtyStats } from './demo/dirty.js';
export { DIRTY_KINDS } from './demo/dirty.js';
export type { DemoOptions, DemoStats } from './demo/generate.js';
export { createDemoMegaDatabase, createDemoMegaPostgres, DEMO_OCCURRENCE_TYPES, DEMO_ORG, FIRST_AGENT_CODE, writeDemoData } from './demo/generate.js';
export type { RowWriter } from './demo/writer.js';
