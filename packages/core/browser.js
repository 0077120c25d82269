// Browser entry: `await ready()` fetches and instantiates the WebAssembly
// module once; every other export throws until it has. Calls go through the
// boundary that survives traps (boundary.js).
import { guarded, init, initLint, releaseMemory as releaseBoundaryMemory } from './boundary.js';
import { assemble } from './report.js';

let started = null;
let instantiated = false;

/**
 * Loads the modules. Call once before anything else; later calls return the
 * same promise. `input` is what wasm-bindgen's init takes, for example
 * `{ module_or_path: bytesOrUrlOrResponse }`; by default the `.wasm` next to
 * this file is fetched. The lint module (squawk's parser and rules, which
 * only lint needs) is fetched beside it from `input.lint` (the same forms
 * as `module_or_path`), by default the `kimberlite_migration_lint_bg.wasm`
 * next to this file; `lint: false` leaves it out, and lint then reports
 * `lint-skipped` where squawk's rules would have run.
 */
export function ready(input) {
  const { lint, ...core } = input ?? {};
  started ??= Promise.all([
    init(core.module_or_path === undefined ? { module_or_path: new URL('./kimberlite_migration_bg.wasm', import.meta.url) } : core),
    lint === false ? null : readyLint(lint),
  ]).then(() => {
    instantiated = true;
  });
  return started;
}

let lintStarted = null;

/**
 * Loads the lint module alone, for a page that called `ready({ lint: false })`
 * to show its first results sooner; `input` as `ready`'s `lint`. Later calls
 * return the same promise.
 */
export function readyLint(input) {
  lintStarted ??= initLint({ module_or_path: input ?? new URL('./kimberlite_migration_lint_bg.wasm', import.meta.url) });
  return lintStarted;
}

function guard(name) {
  const call = guarded(name);
  return (...args) => {
    if (!instantiated) {
      const error = new Error(`kimberlite-migration: await ready() before calling ${name}()`);
      error.code = 'not-ready';
      throw error;
    }
    return call(...args);
  };
}

const analyzeReport = guard('analyze');
export const checksum = guard('checksum');
export const parseMigration = guard('parseMigration');
export const analyze = (input) => assemble(analyzeReport(input), input, parseMigration);
export const splitStatements = guard('splitStatements');
export const lint = guard('lint');
export const createMigration = guard('createMigration');
export const updateLock = guard('updateLock');
export const recordApplied = guard('recordApplied');
export const writeHistory = guard('writeHistory');
export const addToLock = guard('addToLock');
export const squashLock = guard('squashLock');
export const stateEntryTexts = guard('stateEntryTexts');
export const removeApplied = guard('removeApplied');
export const planApply = guard('planApply');
export const planRollback = guard('planRollback');
export const codes = guard('codes');
export const version = guard('version');
export const readConfig = guard('readConfig');
export const ignoreFixes = guard('ignoreFixes');
export const migrationTemplates = guard('migrationTemplates');
/** Gives the core's memory back when it holds more than `above` bytes (boundary.js); false before `ready()`. */
export const releaseMemory = (above, options) => (instantiated ? releaseBoundaryMemory(above, options) : false);
export { PGLITE_EXTENSIONS, extensionsIn, missingExtension, pgliteExtensionsOf, pgliteExtensionsIn, pgliteModuleOf } from './extensions.js';
export { runStep, runStatement } from './run.js';
export { layoutOfPaths, projectFileIn, PROJECT_FILE, NO_CONFIG } from './paths.js';
export { readSchema, schemasAfter, quoteIdent, diffSchemas, schemaSql, columnSql, constraintText, indexText, diffLines, migrationsFromDiff, generatedMigrations, squashBlockers, squashText, readRows, rowsSql, SQUASH_ROWS } from './schema.js';
export { buildSquash } from './squash.js';
