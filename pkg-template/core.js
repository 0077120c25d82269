// The WebAssembly core, instantiated synchronously for Node.
import { readFileSync } from 'node:fs';
import { initSync } from './kimberlite_migration.js';

initSync({ module: readFileSync(new URL('./kimberlite_migration_bg.wasm', import.meta.url)) });

export * from './kimberlite_migration.js';
