// `@mega-crm/vimob-adapter/testing`: an in-memory Vimob for tests, with the gateway's contract.
export type { InMemoryVimobOptions, InMemoryVimobState } from './fake.js';
export { InMemoryVimob } from './fake.js';
