// kimberlite-migration-cli's Node API: a project folder on disk and its
// databases. The core (analyze, plans, lint) is kimberlite-migration's.
export { openProject } from './project.js';
export { kimberliteDatabase } from './kimberlite.js';
export { KmbError } from 'kimberlite-migration';
