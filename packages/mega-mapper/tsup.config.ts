import { defineLibrary } from '../../tooling/tsup.js';

export default defineLibrary({
  entry: ['src/index.ts', 'src/postgres.ts', 'src/oracle.ts', 'src/sqlite.ts', 'src/demo.ts'],
  external: ['pg', 'oracledb', 'better-sqlite3'],
});
