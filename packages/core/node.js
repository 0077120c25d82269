// Node entry: the core, instantiated synchronously at import, and where a
// project's parts are on disk (layout.js), which the CLI and the language
// server share. Databases and the `kmb` CLI are kimberlite-migration-cli's.
import * as wasm from './core.js';

/** Resolves at once: in Node the module is ready when the import is. */
export async function ready() {}
/** Resolves at once: in Node the lint module is loaded when lint first needs it. */
export async function readyLint() {}

export const analyze = wasm.analyze;
export const checksum = wasm.checksum;
export const parseMigration = wasm.parseMigration;
export const splitStatements = wasm.splitStatements;
export const lint = wasm.lint;
export const createMigration = wasm.createMigration;
export const updateLock = wasm.updateLock;
export const recordApplied = wasm.recordApplied;
export const writeHistory = wasm.writeHistory;
export const addToLock = wasm.addToLock;
export const squashLock = wasm.squashLock;
export const stateEntryTexts = wasm.stateEntryTexts;
export const removeApplied = wasm.removeApplied;
export const planApply = wasm.planApply;
export const planRollback = wasm.planRollback;
export const codes = wasm.codes;
export const version = wasm.version;
export const readConfig = wasm.readConfig;
export const ignoreFixes = wasm.ignoreFixes;
export const migrationTemplates = wasm.migrationTemplates;
export const releaseMemory = wasm.releaseMemory;
export { KmbError, readText, projectConfig, projectLayout, projectOfFile, STATE_DIR, PROJECT_FILE } from './layout.js';
export { PGLITE_EXTENSIONS, extensionsIn, missingExtension, pgliteExtensionsOf, pgliteExtensionsIn, pgliteModuleOf } from './extensions.js';
export { runStep, runStatement } from './run.js';
export { layoutOfPaths, projectFileIn, NO_CONFIG } from './paths.js';
export { readSchema, schemasAfter, quoteIdent, diffSchemas, schemaSql, columnSql, constraintText, indexText, diffLines, migrationsFromDiff, generatedMigrations, squashBlockers, squashText, readRows, rowsSql, SQUASH_ROWS } from './schema.js';
export { buildSquash } from './squash.js';
export { HELPER_ENV, findHelper, requireHelper, openHelper, kimberliteText, kimberliteFindings } from './kimberlite.js';
