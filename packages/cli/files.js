// File I/O for the Node layer: crash-safe writes and the project's run lock.
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync, existsSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { hostname } from 'node:os';

// The error the CLI prints and the reading of a file that may be absent are
// the core package's (its Node layer), shared with the language server.
export { KmbError, readText } from 'kimberlite-migration';
import { KmbError, readText } from 'kimberlite-migration';

/** Error codes that mean the file system has no room left. */
const NO_ROOM = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** The failure of a state write, as a diagnostic-like error naming the file. */
function writeFailed(path, bytes, written, cause) {
  const full = cause === 'short' || NO_ROOM.has(cause?.code);
  const what = cause === 'short'
    ? `the file system took ${written} of its ${bytes} bytes`
    : cause === 'mismatch'
      ? 'what was read back differs from what was written'
      : `${cause.code ?? 'error'}: ${cause.message}`;
  return new KmbError(full ? 'disk-full' : 'state-write-failed',
    `Could not write ${path} (${what}); the file is unchanged.`, {
      help: full
        ? `Free at least ${bytes} bytes on the disk that holds ${dirname(path)}, then run the command again: it picks up where this one stopped (the database's history is the record of what was applied).`
        : `Check that ${dirname(path)} is writable, then run the command again.`,
    });
}

/** Writes all of `bytes` to `fd` (a write may take fewer bytes than given). */
function writeAll(fd, bytes) {
  let written = 0;
  while (written < bytes.length) {
    const count = writeSync(fd, bytes, written, bytes.length - written);
    if (count <= 0) return written;
    written += count;
  }
  return written;
}

/** Whether the file open as `fd` holds exactly `bytes`. */
function holds(fd, bytes) {
  if (fstatSync(fd).size !== bytes.length) return false;
  const back = Buffer.alloc(bytes.length);
  let read = 0;
  while (read < bytes.length) {
    const count = readSync(fd, back, read, bytes.length - read, read);
    if (count <= 0) return false;
    read += count;
  }
  return back.equals(bytes);
}

/**
 * Writes a file so that a crash or a full disk at any moment leaves either
 * the old or the new contents, never a torn or short file: a temporary file
 * beside it, every byte written (a short write is retried, then refused),
 * fsync, the size and the bytes read back and compared, then a rename over
 * the old one and an fsync of the folder. Any failure removes the temporary
 * file, leaves the old file as it was, and throws `disk-full` or
 * `state-write-failed` naming the file.
 */
export function writeAtomic(path, text, { syncFolder = true } = {}) {
  const folder = dirname(path);
  const bytes = Buffer.from(text, 'utf8');
  const temporary = join(folder, `.${basename(path)}.${process.pid}.tmp`);
  let written = 0;
  try {
    mkdirSync(folder, { recursive: true });
    const fd = openSync(temporary, 'w+');
    try {
      written = writeAll(fd, bytes);
      if (written < bytes.length) throw 'short';
      fsyncSync(fd);
      if (!holds(fd, bytes)) throw 'mismatch';
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (cause) {
    rmSync(temporary, { force: true });
    throw writeFailed(path, bytes.length, written, cause);
  }
  // A caller writing two files of one folder syncs it once, after the second.
  if (!syncFolder) return;
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

/** A file's identity (inode, modification time) and text; null when it is gone. */
function snapshot(path) {
  try {
    const { ino, mtimeMs } = statSync(path);
    return { ino, mtimeMs, text: readFileSync(path, 'utf8') };
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
}

function sameSnapshot(a, b) {
  return a !== null && b !== null && a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.text === b.text;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Sleeps `ms` milliseconds, synchronously. */
function pause(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `fn` (synchronous, and quick) while holding `path`, a file created
 * exclusively: of any number of processes, one at a time. A holder killed
 * inside `fn` leaves the file behind; one older than `staleMs` is removed.
 * Gives up after `waitMs` with `run-locked`.
 */
export function withMutex(path, fn, { staleMs = 10_000, waitMs = 15_000 } = {}) {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw readOnly(dirname(path), error);
  }
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      closeSync(openSync(path, 'wx'));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw readOnly(dirname(path), error);
      try {
        if (Date.now() - statSync(path).mtimeMs > staleMs) rmSync(path, { force: true });
      } catch {
        // Gone meanwhile: try again.
      }
      if (Date.now() > deadline) {
        throw new KmbError('run-locked', `Another kmb process holds ${path}.`, { help: `Try again. If no kmb runs, delete ${path}.` });
      }
      pause(Math.min(50, 2 + attempt * 5) * (0.5 + Math.random()));
    }
  }
  try {
    return fn();
  } finally {
    rmSync(path, { force: true });
  }
}

/**
 * Takes the project's run lock (a file created exclusively), runs `fn`, and
 * releases it. A lock left by a process that no longer exists (killed) is
 * taken over; one held by a live process refuses with a clear error.
 */
/** An error for a state folder that cannot be written, or `error` itself. */
function readOnly(stateDir, error) {
  if (!['EROFS', 'EACCES', 'EPERM'].includes(error?.code)) return error;
  return new KmbError('read-only-state', `The state folder ${stateDir} cannot be written (${error.code}), so this command cannot take its lock.`, {
    help: 'Make the folder writable, or run from a writable copy of the project; `status` and `validate` still answer from a read-only one.',
  });
}

export async function withRunLock(stateDir, fn) {
  try {
    mkdirSync(stateDir, { recursive: true });
  } catch (error) {
    throw readOnly(stateDir, error);
  }
  const path = join(stateDir, '.run.lock');
  const me = `${process.pid} ${hostname()} ${new Date().toISOString()}\n`;
  for (let attempt = 0; ; attempt++) {
    let fd;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if (error.code !== 'EEXIST' || attempt > 200) throw readOnly(stateDir, error);
      // What is judged is one snapshot of the file: its identity and text.
      const seen = snapshot(path);
      if (seen === null) continue; // gone meanwhile: try to create it again
      const [pid, host] = seen.text.split(' ');
      const holder = Number(pid);
      const sameHost = host === hostname();
      const named = Number.isInteger(holder) && holder > 0;
      // No holder named yet: a process created it a moment ago and is
      // writing it. Wait for that, unless it was left so long ago.
      if (!named && Date.now() - seen.mtimeMs < 5_000) {
        pause(10);
        continue;
      }
      if (named && (!sameHost || alive(holder))) {
        throw new KmbError('run-locked', `Another kmb run (pid ${holder}${sameHost ? '' : ` on ${host}`}) is applying or rolling back this project.`, {
          help: `Wait for it to finish. If no such process exists, delete ${path}.`,
        });
      }
      // The holder is gone (killed): take the lock over, one process at a
      // time, and only if it is still the same dead holder's lock (another
      // process may have taken it over and written its own meanwhile).
      withMutex(`${path}.takeover`, () => {
        if (sameSnapshot(snapshot(path), seen)) rmSync(path, { force: true });
      });
      continue;
    }
    // Written in full or not at all: an empty lock file left on a full disk
    // would name no holder.
    const bytes = Buffer.from(me);
    let written = 0;
    try {
      written = writeAll(fd, bytes);
      if (written < bytes.length) throw 'short';
      fsyncSync(fd);
    } catch (cause) {
      closeSync(fd);
      rmSync(path, { force: true });
      throw writeFailed(path, bytes.length, written, cause);
    }
    closeSync(fd);
    break;
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

/**
 * Node flags for a worker thread: the process's, less `--input-type`,
 * which (in a script run with `node --input-type=module -e`) stops a
 * worker from a file from starting.
 */
export const workerExecArgv = () => process.execArgv.filter((flag) => !flag.startsWith('--input-type'));

/**
 * The bytes of the regular file at `path`, opened once: its size from the
 * open file (no separate stat), and `{ tooLarge: size }` without reading
 * when it is over `limit` bytes. Throws what opening or reading throws.
 */
export function readRegularFile(path, limit) {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > limit) return { tooLarge: size };
    const bytes = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const count = readSync(fd, bytes, read, size - read, read);
      if (count === 0) break;
      read += count;
    }
    return { contents: read === size ? bytes : bytes.subarray(0, read) };
  } finally {
    closeSync(fd);
  }
}
