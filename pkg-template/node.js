// Node entry: the core, instantiated synchronously at import, and the
// project API (files, databases) that the CLI uses.
import * as wasm from './core.js';

/** Resolves at once: in Node the module is ready when the import is. */
export async function ready() {}

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
export const stateEntryTexts = wasm.stateEntryTexts;
export const removeApplied = wasm.removeApplied;
export const planApply = wasm.planApply;
export const planRollback = wasm.planRollback;
export const codes = wasm.codes;
export const version = wasm.version;
export const readConfig = wasm.readConfig;
export { openProject } from './project.js';
export { PGLITE_EXTENSIONS, extensionsIn, missingExtension } from './extensions.js';
