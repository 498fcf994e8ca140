import { defineLibrary } from '../../tooling/tsup.js';

export default defineLibrary();
