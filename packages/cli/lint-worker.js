// One part of `kmb migration lint` over a large project: the whole project
// read by the core, the lint rules run on the files named in `lintOnly`
// (project.js, `lintReport`). Runs in a worker thread, its own wasm instance.
import { parentPort, workerData } from 'node:worker_threads';
import { analyze } from 'kimberlite-migration';

try {
  parentPort.postMessage({ diagnostics: analyze(workerData.input).diagnostics });
} catch (error) {
  parentPort.postMessage({ error: { message: String(error?.message ?? error), code: error?.code } });
}
