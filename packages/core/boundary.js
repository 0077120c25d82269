// The boundary to the WebAssembly core, made so that no input can break it
// for the rest of the process. A refusal of bad arguments (an Error with
// code `invalid-argument`) comes back after the core has returned normally.
// Anything else that escapes a call — a trap (out of memory, unreachable) or
// a JS exception thrown by the caller's own getters or proxies while the
// core reads them — may leave the instance's stack or memory in a state no
// later call survives. So the error is passed on as it is, and the next call
// first makes a fresh instance from the same compiled module (milliseconds;
// nothing of the old one is needed: every call is a whole job).
import * as glue from './kimberlite_migration.js';

let broken = false;
/** Calls under way: a caller's getter may call the core again from inside a call. */
let depth = 0;

function restart() {
  const module = glue.__kmbModule();
  glue.__kmbForget();
  glue.initSync({ module });
  broken = false;
}

/** The core's export `name`, behind the boundary. */
export function guarded(name) {
  const call = glue[name];
  return (...args) => {
    // Never under a call still running in the old instance.
    if (broken && depth === 0) restart();
    depth++;
    try {
      return call(...args);
    } catch (error) {
      if (error?.code !== 'invalid-argument') broken = true;
      throw error;
    } finally {
      depth--;
    }
  };
}

/**
 * Gives the core's memory back when it holds more than `above` bytes: a
 * WebAssembly memory only grows, so after one large input (a 100 MB
 * document) it would stay that size for the life of the process. A fresh
 * instance from the same compiled module takes its place (milliseconds;
 * what the core keeps between calls, the language server's parse of
 * unchanged files, is made again on the next call). Not during a call.
 * Returns whether it did.
 */
export function releaseMemory(above = 64 * 1024 * 1024) {
  if (depth > 0 || glue.__kmbMemoryBytes() <= above) return false;
  restart();
  return true;
}

/** Instantiates the core synchronously from its bytes or compiled module. */
export const initSync = glue.initSync;
/** Fetches and instantiates the core (browsers). */
export const init = glue.default;
