// The embedded database (PGlite) in a worker thread of its own. PGlite runs
// PostgreSQL compiled to WebAssembly on the thread that calls it, and a
// statement holds that thread until it ends; here it holds this one, so the
// command's own thread stays free to answer Ctrl-C and to notice a database
// that no longer moves (see `pglite()` in database.js).
import { parentPort, workerData } from 'node:worker_threads';
import { pgliteModuleOf } from 'kimberlite-migration';

/** An error as plain data: its message and PostgreSQL's fields (code, position, detail, ...). */
function plain(error) {
  const fields = { message: String(error?.message ?? error) };
  for (const [key, value] of Object.entries(error ?? {})) {
    if (['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  }
  return fields;
}

let db;
try {
  const { PGlite } = await import('@electric-sql/pglite');
  // The contrib extensions the project's migrations create (uuid-ossp is
  // the module uuid_ossp); database.js names only ones PGlite ships.
  const extensions = {};
  for (const name of workerData.extensions ?? []) {
    const module = pgliteModuleOf(name);
    extensions[module] = (await import(`@electric-sql/pglite/contrib/${module}`))[module];
  }
  db = new PGlite(workerData.dataDir, { extensions });
  await db.waitReady;
  parentPort.postMessage({ id: 0, ok: true });
} catch (error) {
  parentPort.postMessage({ id: 0, error: plain(error) });
}

parentPort.on('message', async ({ id, op, sql, params }) => {
  try {
    if (op === 'close') {
      await db?.close();
      parentPort.postMessage({ id, ok: true });
      return;
    }
    const result = await db.query(sql, params);
    parentPort.postMessage({ id, rows: result.rows });
  } catch (error) {
    parentPort.postMessage({ id, error: plain(error) });
  }
});
