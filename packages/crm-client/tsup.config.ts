import { defineLibrary } from '../../tooling/tsup.js';

export default defineLibrary({ entry: { index: 'src/index.ts', 'profile/index': 'src/profile/index.ts' } });
