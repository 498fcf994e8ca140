import { defineLibrary } from '../../tooling/tsup.js';

export default defineLibrary({ entry: ['src/index.ts', 'src/testing.ts'] });
