// `@mega-crm/cli`: the `mega-crm` command, and its parts for hosts that embed them.
export type { CliIo } from './cli.js';
export { runCli } from './cli.js';
export type { CliConfig, CliConfigFile } from './config.js';
export { CliConfigSchema, CONFIG_FILE, ENV, loadConfig } from './config.js';
export type { Bilingual, CheckResult, CheckStatus, DoctorOptions, DoctorReport } from './doctor/doctor.js';
export { runDoctor } from './doctor/doctor.js';
export { EXIT } from './output.js';
