// Kimberlite through the native helper `kmb-kimberlite` (Node only; the
// repository's tools/kimberlite-helper): Kimberlite's crates do not build for
// WebAssembly, so its parser and its embedded database run in a separate
// program this module starts and talks to over standard input and output, one
// JSON line each way. The CLI (lint, apply) and the language server use it.
// See docs/kimberlite.md.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { KmbError } from './layout.js';

/** The variable that names the helper's path. */
export const HELPER_ENV = 'KMB_KIMBERLITE_HELPER';

const BUILD_HELP = `Build it once from a clone of kimberlite-migration with \`bash scripts/build-kimberlite-helper\` (about 4 minutes on 2 cores; it prints the binary's path), then set ${HELPER_ENV}=<that path> or put kmb-kimberlite on your PATH.`;

const found = new Map();

/**
 * The helper's path: ${HELPER_ENV}, else `kmb-kimberlite` on the PATH,
 * when it answers `--version`; null when there is none.
 */
export function findHelper(env = process.env) {
  const candidates = env[HELPER_ENV] ? [env[HELPER_ENV]] : ['kmb-kimberlite'];
  for (const candidate of candidates) {
    if (!found.has(candidate)) {
      const answer = spawnSync(candidate, ['--version'], { encoding: 'utf8', timeout: 10_000 });
      found.set(candidate, answer.status === 0 && /^kmb-kimberlite /.test(answer.stdout) ? candidate : null);
    }
    if (found.get(candidate)) return candidate;
  }
  return null;
}

/** `findHelper()`, or the error that says how to get it. */
export function requireHelper(why, env = process.env) {
  const helper = findHelper(env);
  if (helper) return helper;
  const named = env[HELPER_ENV];
  throw new KmbError('kimberlite-helper-missing', `${why} needs the native helper kmb-kimberlite, which ${named ? `${HELPER_ENV} names (${named}) but does not run` : 'is not on the PATH and not named by ' + HELPER_ENV}.`, { help: BUILD_HELP });
}

/**
 * Starts the helper on a database (`['--memory']`, `['--data', dir]`) or
 * none (`['--parse-only']`). The session's `request(op, sql)` answers in
 * order: `{ ok: true, ... }` or `{ ok: false, error: { kind, message,
 * line?, column? } }`.
 */
export async function openHelper(helper, args) {
  const child = spawn(helper, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  let stderr = '';
  let ended = null;
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const fail = (error) => {
    ended ??= error;
    for (const { reject } of waiting.splice(0)) reject(ended);
  };
  child.on('error', (error) => fail(new KmbError('kimberlite-helper-failed', `The native helper ${helper} could not be started: ${error.message}.`, { help: BUILD_HELP })));
  child.on('exit', (code, signal) => fail(new KmbError('kimberlite-helper-failed', `The native helper ${helper} stopped (${signal ?? `exit ${code}`})${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' ')}` : ''}.`, {
    help: 'Run the command again; if it stops again, report it with the statement it was running.',
  })));
  child.stdin.on('error', () => {});
  lines.on('line', (line) => {
    let answer;
    try {
      answer = JSON.parse(line);
    } catch {
      fail(new KmbError('kimberlite-helper-failed', `The native helper ${helper} answered something that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    waiting.shift()?.resolve(answer);
  });
  const next = () => new Promise((resolve, reject) => {
    if (ended) reject(ended);
    else waiting.push({ resolve, reject });
  });
  const ready = await next();
  if (!ready.ready) {
    child.kill();
    const reason = ready.error?.message ?? 'no reason given';
    throw Object.assign(new KmbError('kimberlite-unavailable', `Kimberlite could not open ${args.join(' ')}: ${reason}.`, {
      help: 'Check that the folder is a Kimberlite data folder you may write, and that no other process has it open.',
    }), { reason });
  }
  let id = 0;
  return {
    kimberlite: ready.kimberlite,
    request(op, sql) {
      const answer = next();
      child.stdin.write(`${JSON.stringify({ id: ++id, op, ...(sql === undefined ? {} : { sql }) })}\n`);
      return answer;
    },
    async close() {
      if (ended) return;
      const answer = this.request('close').catch(() => null);
      child.stdin.end();
      await answer;
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    },
  };
}

/**
 * A statement as Kimberlite is sent it: its text without the comments and
 * white space before it (Kimberlite reads its own statements, such as
 * `CREATE MASKING POLICY`, word by word from the first, so a comment in
 * front hides them), and the byte offset in the file where that text starts.
 */
export function kimberliteText(statement) {
  const text = statement.text;
  let at = 0;
  for (;;) {
    const rest = text.slice(at);
    const space = rest.match(/^\s+/);
    if (space) {
      at += space[0].length;
      continue;
    }
    if (rest.startsWith('--')) {
      const end = rest.indexOf('\n');
      at = end < 0 ? text.length : at + end + 1;
      continue;
    }
    if (rest.startsWith('/*')) {
      let depth = 0;
      let i = 0;
      for (; i < rest.length; i++) {
        if (rest.startsWith('/*', i)) {
          depth++;
          i++;
        } else if (rest.startsWith('*/', i)) {
          depth--;
          i++;
          if (depth === 0) break;
        }
      }
      at += i + 1;
      continue;
    }
    break;
  }
  return { sql: text.slice(at), start: statement.span.start + Buffer.byteLength(text.slice(0, at)) };
}

/** The byte offset in `sql` of Kimberlite's 1-based line and column (in characters). */
function offsetOf(sql, line, column) {
  const lines = sql.split('\n');
  if (line < 1 || line > lines.length) return null;
  const before = lines.slice(0, line - 1).reduce((sum, text) => sum + Buffer.byteLength(text) + 1, 0);
  const chars = [...lines[line - 1]];
  if (column < 1 || column > chars.length + 1) return null;
  return before + Buffer.byteLength(chars.slice(0, column - 1).join(''));
}

/**
 * What Kimberlite refuses in the report's migrations, as the core's
 * `external` input: every Up statement parsed and run, in order, on an
 * empty Kimberlite database in memory (so a statement the parser reads but
 * the database refuses, such as a table without a primary key, is found
 * too), and every Down statement parsed. `only`: the paths whose findings
 * are kept (the files before them still run, to build what they read).
 * A statement Kimberlite takes is `accepted`: squawk's `syntax-error`
 * inside it is Kimberlite's own SQL, not a fault.
 */
export async function kimberliteFindings(report, { helper, only } = {}) {
  const session = await openHelper(helper, ['--memory']);
  const external = [];
  // Tables whose CREATE TABLE Kimberlite refused: a later "table not found"
  // on one of them says so, as its cause is there, not in the statement.
  const refusedTables = new Map();
  const last = only ? Math.max(-1, ...report.migrations.map((m, at) => (only.includes(m.path) ? at : -1))) : report.migrations.length - 1;
  try {
    for (const migration of report.migrations.slice(0, last + 1)) {
      if (!migration.path || migration.status === 'missing') continue;
      const keep = !only || only.includes(migration.path);
      const sections = [[migration.up, false], ...(keep && migration.down ? [[migration.down, true]] : [])];
      for (const [statements, down] of sections) {
        for (const statement of statements) {
          const { sql, start } = kimberliteText(statement);
          if (sql.trim() === '') continue;
          const answer = await session.request(down ? 'parse' : 'run', sql);
          if (!keep) continue;
          if (answer.ok) {
            external.push({ path: migration.path, span: statement.span, stage: 'accepted', down });
            continue;
          }
          const { kind, message, line, column } = answer.error ?? {};
          const point = line ? offsetOf(sql, line, column) : null;
          const created = !down && /^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"?([A-Za-z_][\w.]*)/i.exec(sql)?.[1];
          if (created) refusedTables.set(created.toLowerCase(), `${migration.path}:${statement.range.start.line + 1}`);
          const missing = /table not found: "?([\w.]+)|table '([^']+)' not found/i.exec(message ?? '');
          const cause = missing && refusedTables.get((missing[1] ?? missing[2]).toLowerCase());
          external.push({
            path: migration.path,
            span: statement.span,
            ...(point === null ? {} : { at: start + point }),
            detail: `${message ?? 'no reason given'}${cause ? ` (Kimberlite refused its CREATE TABLE, at ${cause})` : ''}`,
            stage: kind === 'parse' || kind === 'panic' ? 'parse' : 'execute',
            down,
          });
        }
      }
    }
  } finally {
    await session.close();
  }
  return external;
}

