// File I/O for the Node layer: crash-safe writes and the project's run lock.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync, existsSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { hostname } from 'node:os';

/** An error the CLI reports as a message with a code, never a stack trace. */
export class KmbError extends Error {
  constructor(code, message, { help, exitCode = 1, diagnostics } = {}) {
    super(message);
    this.code = code;
    this.help = help;
    this.exitCode = exitCode;
    this.diagnostics = diagnostics;
  }
}

/** The text of a file, or null when it does not exist. */
export function readText(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Writes a file so that a crash at any moment leaves either the old or the
 * new contents, never a torn file: a temporary file beside it, fsync, rename
 * over the old one, fsync of the folder.
 */
export function writeAtomic(path, text) {
  const folder = dirname(path);
  mkdirSync(folder, { recursive: true });
  const temporary = join(folder, `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  try {
    const dir = openSync(folder, 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Some platforms cannot fsync a folder; the rename is still atomic.
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Takes the project's run lock (a file created exclusively), runs `fn`, and
 * releases it. A lock left by a process that no longer exists (killed) is
 * taken over; one held by a live process refuses with a clear error.
 */
export async function withRunLock(stateDir, fn) {
  mkdirSync(stateDir, { recursive: true });
  const path = join(stateDir, '.run.lock');
  const me = `${process.pid} ${hostname()} ${new Date().toISOString()}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, me);
      fsyncSync(fd);
      closeSync(fd);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST' || attempt > 2) throw error;
      const [pid, host] = (readText(path) ?? '').split(' ');
      const holder = Number(pid);
      const sameHost = host === hostname();
      if (Number.isInteger(holder) && holder > 0 && (!sameHost || alive(holder))) {
        throw new KmbError('run-locked', `Another kmb run (pid ${holder}${sameHost ? '' : ` on ${host}`}) is applying or rolling back this project.`, {
          help: `Wait for it to finish. If no such process exists, delete ${path}.`,
        });
      }
      // The holder is gone (killed): take the lock over.
      rmSync(path, { force: true });
    }
  }
  removeStaleTemporaries(stateDir);
  try {
    return await fn();
  } finally {
    if ((readText(path) ?? '') === me) rmSync(path, { force: true });
  }
}

/** Temporary files of writes whose process was killed before the rename. */
function removeStaleTemporaries(stateDir) {
  for (const name of readdirSync(stateDir)) {
    const match = /^\..+\.(\d+)\.tmp$/.exec(name);
    if (match && Number(match[1]) !== process.pid && !alive(Number(match[1]))) rmSync(join(stateDir, name), { force: true });
  }
}

export { existsSync };
