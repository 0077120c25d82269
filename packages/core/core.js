// The WebAssembly core, instantiated synchronously for Node, behind the
// boundary that survives traps (boundary.js).
import { readFileSync } from 'node:fs';
import { guarded, initSync, lintLoadedBy } from './boundary.js';
export { releaseMemory } from './boundary.js';
import { assemble } from './report.js';

initSync({ module: readFileSync(new URL('./kimberlite_migration_bg.wasm', import.meta.url)) });
// squawk's parser and rules: read and compiled only when lint first needs them.
lintLoadedBy(() => readFileSync(new URL('./kimberlite_migration_lint_bg.wasm', import.meta.url)));

export const checksum = guarded('checksum');
export const parseMigration = guarded('parseMigration');
export const splitStatements = guarded('splitStatements');
export const lint = guarded('lint');
export const createMigration = guarded('createMigration');
export const updateLock = guarded('updateLock');
export const recordApplied = guarded('recordApplied');
export const writeHistory = guarded('writeHistory');
export const addToLock = guarded('addToLock');
export const squashLock = guarded('squashLock');
export const stateEntryTexts = guarded('stateEntryTexts');
export const removeApplied = guarded('removeApplied');
export const planApply = guarded('planApply');
export const planRollback = guarded('planRollback');
export const codes = guarded('codes');
export const version = guarded('version');
export const readConfig = guarded('readConfig');
export const ignoreFixes = guarded('ignoreFixes');
export const migrationTemplates = guarded('migrationTemplates');

const analyzeReport = guarded('analyze');
/** Analyzes a whole project; each migration's statements are parsed when first read (report.js). */
export const analyze = (input) => assemble(analyzeReport(input), input, parseMigration);
