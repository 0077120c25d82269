// Runs the installed `kmb` binary (from the packed tarball) as a subprocess.
import { spawn, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumerDir } from './package.mjs';

export const KMB = join(consumerDir, 'node_modules', '.bin', 'kmb');
const EXAMPLE = new URL('../../examples/shop/', import.meta.url);

/** Runs `kmb migration ...args` to completion: { code, stdout, stderr }. */
export function kmb(args, { cwd, env } = {}) {
  const result = spawnSync(KMB, ['migration', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `kmb migration ...args` without waiting. */
export function kmbAsync(args, { cwd } = {}) {
  return spawn(KMB, ['migration', ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Starts `kmb migration ...args` and follows its output: `seen(text)`
 * resolves once `text` has been printed (on stdout or stderr), `done`
 * resolves to { code, output } when it exits.
 */
export function watch(args, { cwd } = {}) {
  const child = kmbAsync(args, { cwd });
  let output = '';
  const waiting = [];
  const read = (chunk) => {
    output += chunk;
    for (const wait of waiting.filter((w) => output.includes(w.text))) {
      waiting.splice(waiting.indexOf(wait), 1);
      wait.resolve();
    }
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  const done = new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
  const seen = (text) => (output.includes(text) ? Promise.resolve() : new Promise((resolve) => waiting.push({ text, resolve })));
  return { child, seen, done };
}

/** A copy of examples/shop in a temporary folder. */
export function copyExample() {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-project-'));
  cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}

export function readState(dir, name) {
  const path = join(dir, '.kimberlite', 'migrations', name);
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/** A stack trace looks like "    at fn (file:line:col)". */
export function hasStackTrace(text) {
  return /^\s+at .+:\d+:\d+\)?$/m.test(text);
}

/** The JSON a `kmb ... --json` run printed, after checking that it succeeded. */
export function jsonOf(result) {
  assert.equal(result.code, 0, result.stderr + result.stdout);
  return JSON.parse(result.stdout);
}

/**
 * A new project folder whose migrations are `[fileName, up, down]` (down
 * null: no Down section), each titled after its file name.
 */
export function projectOf(migrations, prefix = 'kmb-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'migrations'));
  for (const [name, up, down] of migrations) {
    writeFileSync(join(dir, 'migrations', name), `-- Migration: ${name.slice(5, -4)}\n-- Up Migration\n${up}\n${down === null ? '' : `-- Down Migration\n${down}\n`}`);
  }
  return dir;
}
