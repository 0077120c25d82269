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
import * as lintGlue from './kimberlite_migration_lint.js';

let broken = false;
/** Calls under way: a caller's getter may call the core again from inside a call. */
let depth = 0;

/** A fresh instance of a module (`glue`: the core's or the lint module's) from its compiled module. */
function fresh(moduleGlue) {
  const module = moduleGlue.__kmbModule();
  moduleGlue.__kmbForget();
  moduleGlue.initSync({ module });
}

function restart() {
  fresh(glue);
  glue.setSquawk(askLint);
  broken = false;
}

// The lint module: squawk's parser and rules, a WebAssembly module of their
// own (crates/kmb-squawk) that only lint needs. The core asks it through
// askLint, one section at a time; until it is loaded the answer is
// `undefined` and the core reports `lint-skipped`. In Node it is loaded on
// the first question (core.js gives the loader); a browser loads it in
// ready(). A trap in it fails that one question and a fresh instance
// answers the next.
let lintLoader = null;
let lintState = 'absent'; // 'unchecked', 'ready', 'broken'

function askLint(text, settings) {
  if (lintState === 'absent') {
    if (lintLoader === null) return undefined;
    lintLoader();
  } else if (lintState === 'broken') {
    fresh(lintGlue);
    lintState = 'ready';
  }
  if (lintState === 'unchecked') lintChecked();
  try {
    return lintGlue.check(text, settings);
  } catch (error) {
    lintState = 'broken';
    throw error;
  }
}

/**
 * Checks the lint module against the core, on the first question (the core
 * is instantiated then; a browser may instantiate the lint module first).
 */
function lintChecked() {
  if (lintGlue.protocol() !== glue.squawkProtocol()) {
    throw new Error('kimberlite-migration: kimberlite_migration_lint_bg.wasm does not belong to this core (another version); reinstall the package');
  }
  lintState = 'ready';
}

/** Node: how to load the lint module synchronously, the first time lint needs it. */
export function lintLoadedBy(load) {
  lintLoader = () => {
    lintGlue.initSync({ module: load() });
    lintState = 'unchecked';
  };
}

/** Browsers: fetches and instantiates the lint module (wasm-bindgen's init input). */
export async function initLint(input) {
  await lintGlue.default(input);
  if (lintState === 'absent') lintState = 'unchecked';
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
 * unchanged files, is made again on the next call). With `mostlyFree`,
 * only when at most a quarter of that memory is in use: what was kept
 * between calls is small next to what the last call let go, so little is
 * made again. Not during a call. Returns whether it did.
 */
export function releaseMemory(above = 64 * 1024 * 1024, { mostlyFree = false } = {}) {
  if (depth > 0) return false;
  let released = false;
  const bytes = glue.__kmbMemoryBytes();
  if (bytes > above && (!mostlyFree || glue.__kmbLiveBytes() * 4 <= bytes)) {
    restart();
    released = true;
  }
  // The lint module's memory holds squawk's syntax trees (40 to 80 bytes a byte of a section).
  if (lintState !== 'absent' && lintState !== 'broken' && lintGlue.__kmbMemoryBytes() > above) {
    fresh(lintGlue);
    released = true;
  }
  return released;
}

/** Instantiates the core synchronously from its bytes or compiled module. */
export function initSync(input) {
  glue.initSync(input);
  glue.setSquawk(askLint);
}
/** Fetches and instantiates the core (browsers). */
export async function init(input) {
  await glue.default(input);
  glue.setSquawk(askLint);
}
