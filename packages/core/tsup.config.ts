import { defineLibrary } from '../../tooling/tsup.js';

export default defineLibrary({ entry: ['src/index.ts', 'src/postgres.ts', 'src/sqlite.ts', 'src/internal.ts'], external: ['pg', 'better-sqlite3'] });
