#!/usr/bin/env node
// kmb migration <command>: the command line of kimberlite-migration.
// First: how the WebAssembly core is compiled for a short-lived process.
import './short-lived.js';
import { parseArgs } from 'node:util';
import { dirname, relative, resolve } from 'node:path';
import { openProject } from './project.js';
import { KmbError } from './files.js';
import { isServerUrl, redact } from './database.js';
import { isKimberliteTarget, resolveKimberliteTarget } from './kimberlite.js';
import { lint as lintFile, codes, version, schemaSql, migrationTemplates } from 'kimberlite-migration';
import { schemaText, diffText } from './schema-text.js';
import { FORMATS, compact, github, gitlab, sarif, summaryTable } from './reporters.js';
import { readFileSync, statSync } from 'node:fs';

const USAGE = `Usage: kmb migration <command> [options]

Commands:
  create <name>           write the next migration file (--author <text>, --template
                          blank|table|index|column|data: SQL that passes the lint rules)
  status                  show every migration's state, checked against the database
  validate                check files, lock and tracker; exit 1 on errors; --format text|compact|
                          json|github|sarif|gitlab (json: the whole report, as --json)
  lint [files...]         check SQL files (all migrations by default); --format text|compact|
                          json|github|sarif|gitlab, --max-warnings <n> (exit 1 above n),
                          --target kimberlite: also run every statement through Kimberlite
                          (its parser, and an empty database in memory; needs kmb-kimberlite)
  lock                    add every unlocked migration to .kimberlite/migrations/.lock
  apply                   apply pending migrations (--to <id>, --dry-run)
  rollback                roll back applied migrations (--steps <n> | --to <id>, --dry-run)
  baseline <id>           mark migrations 1 to <id> applied in a database built before kmb,
                          without running them (the database's history must be empty)
  schema                  the database's schema as it is now (--database, else the embedded
                          one; the last migration's when there is none); --at <id>: as it
                          stood after that migration, from a scratch database in memory;
                          --format text|sql|json
  diff <from> <to>        what changed in the schema between two migrations (<to> may be
                          \`database\`: the --database one, the embedded one by default);
                          --generate <name> writes the next migrations for the safe changes
  squash --to <id>        replace migrations 1 to <id> with one migration written from the
                          schema they build, checked on scratch databases (--dry-run prints it);
                          the replaced files move to .kimberlite/migrations/squashed/
  squash --adopt          rewrite a database's history that applied 1 to <id> one by one to
                          the squash, after checking it against the squashed files (--database)
  import <dir>            convert another tool's folder into this project's (empty)
                          migrations folder: --from golang-migrate|dbmate|sqlx|diesel|flyway
  repair <id>             settle a no-transaction migration that did not finish, or a
                          history row kmb cannot use (--applied keeps it, --pending removes it)
                          (--applied: it is complete; --pending: run it again)

Options:
  --project <dir>         the project folder (default .)
  --database <target>     postgres://... or a folder for the embedded database
                          (default .kimberlite/dev-db, PGlite); kimberlite://host:port,
                          kimberlite (kimberlite.toml's [database] bind_address),
                          kimberlite:<new folder> or kimberlite:memory for Kimberlite
                          (the default when [migrations] target = "kimberlite")
  --allow-out-of-order    allow pending migrations below the highest applied id
  --rule <code>=<level>   turn a code off or change its severity for this run
                          (level: off, error, warning, info, hint; repeatable)
  --json                  print machine-readable JSON
  --no-color              no colours (also: NO_COLOR, or output not a terminal)
  -h, --help              show this help

Exit codes: 0 success, 1 validation or a migration failed, 2 usage error.`;

const OPTIONS = {
  project: { type: 'string' },
  database: { type: 'string' },
  author: { type: 'string' },
  to: { type: 'string' },
  at: { type: 'string' },
  template: { type: 'string' },
  generate: { type: 'string' },
  steps: { type: 'string' },
  'dry-run': { type: 'boolean' },
  adopt: { type: 'boolean' },
  'allow-out-of-order': { type: 'boolean' },
  applied: { type: 'boolean' },
  pending: { type: 'boolean' },
  json: { type: 'boolean' },
  format: { type: 'string' },
  target: { type: 'string' },
  from: { type: 'string' },
  'max-warnings': { type: 'string' },
  'no-color': { type: 'boolean' },
  rule: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
};

/**
 * Each command's own options, beside those every command takes (GLOBAL). An
 * option given to a command that does not read it is a usage error: left
 * silently unused, `validate --format json` printed text and `apply --steps 1`
 * would have applied everything.
 */
const GLOBAL = ['project', 'rule', 'allow-out-of-order', 'json', 'no-color', 'help'];
const COMMAND_OPTIONS = {
  create: ['author', 'template'],
  status: ['database'],
  validate: ['database', 'format'],
  lint: ['format', 'max-warnings', 'target'],
  lock: [],
  apply: ['database', 'to', 'dry-run'],
  rollback: ['database', 'to', 'steps', 'dry-run'],
  baseline: ['database'],
  schema: ['database', 'at', 'format'],
  diff: ['database', 'generate', 'author'],
  squash: ['to', 'adopt', 'dry-run', 'author', 'database'],
  import: ['from'],
  repair: ['database', 'applied', 'pending'],
};
const COMMANDS = new Set(Object.keys(COMMAND_OPTIONS));

/** A usage error for the first option `command` does not take, if any. */
function checkOptionsOf(command, values) {
  const takes = new Set([...GLOBAL, ...COMMAND_OPTIONS[command]]);
  const extra = Object.keys(values).find((name) => !takes.has(name));
  if (extra === undefined) return;
  const own = COMMAND_OPTIONS[command].map((name) => `--${name}`);
  const hint = extra === 'format' && values.format === 'json'
    ? ` For JSON, use \`kmb migration ${command} --json\`.`
    : own.length ? ` Its own options: ${own.join(', ')}.` : '';
  throw new UsageError(`\`kmb migration ${command}\` does not take --${extra}.${hint}`);
}

class UsageError extends KmbError {
  constructor(message) {
    super('usage', message, { help: 'Run `kmb migration --help` for the commands and options.', exitCode: 2 });
  }
}

function paint(enabled) {
  const wrap = (code) => (text) => (enabled ? `\x1b[${code}m${text}\x1b[0m` : String(text));
  return { red: wrap(31), yellow: wrap(33), green: wrap(32), blue: wrap(34), cyan: wrap(36), dim: wrap(2), bold: wrap(1) };
}

/**
 * For `repair`, a negative number is a history row's id (`repair -4
 * --pending`), not an option: it is passed on as a positional.
 */
function negativeIdsAsPositionals(argv) {
  if (!argv.includes('repair')) return argv;
  const end = argv.indexOf('--');
  const before = end === -1 ? argv : argv.slice(0, end);
  const after = end === -1 ? [] : argv.slice(end + 1);
  const negative = (arg) => /^-\d+$/.test(arg);
  if (!before.some(negative)) return argv;
  return [...before.filter((arg) => !negative(arg)), '--', ...before.filter(negative), ...after];
}

/** A history row's id as written in the database: any BIGINT. */
function historyId(value) {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value) || BigInt(value) > 9223372036854775807n || BigInt(value) < -9223372036854775808n) {
    throw new UsageError(`repair takes the id of a history row, not \`${value}\`.`);
  }
  return String(BigInt(value));
}

function wholeNumber(value, flag) {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 4294967295) throw new UsageError(`${flag} takes a whole number, not \`${value}\`.`);
  return Number(value);
}

function formatDiagnostic(d, c) {
  const colour = { error: c.red, warning: c.yellow, info: c.blue, hint: c.dim }[d.severity] ?? String;
  const at = d.range ? `${d.file}:${d.range.start.line + 1}:${d.range.start.character + 1}` : d.file;
  let text = `${colour(c.bold(`${d.severity}[${d.code}]`))}: ${d.message}\n  ${c.dim('-->')} ${at}`;
  if (d.help) text += `\n  ${c.cyan('help:')} ${d.help}`;
  for (const related of d.related ?? []) {
    const where = related.range ? `${related.file}:${related.range.start.line + 1}` : related.file;
    text += `\n  ${c.dim('note:')} ${related.message} (${where})`;
  }
  return text;
}

/** The findings in one of the CI formats (compact, github, gitlab, sarif); `undefined` prints nothing. */
function reporter(format, diagnostics) {
  switch (format) {
    case 'compact': return diagnostics.length ? compact(diagnostics) : undefined;
    case 'github': return diagnostics.length ? github(diagnostics) : undefined;
    case 'gitlab': return gitlab(diagnostics);
    case 'sarif': return sarif(diagnostics, { codes: codes(), version: version() });
    default: throw new Error(`no reporter ${format}`);
  }
}

function summaryLine(report, c) {
  const { errors, warnings } = report.summary;
  if (errors) return c.red(`✘ ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  return c.green(`✔ ${report.summary.total} migration${report.summary.total === 1 ? '' : 's'} checked, no errors`) + (warnings ? c.yellow(`, ${warnings} warning${warnings === 1 ? '' : 's'}`) : '');
}

async function main(argv, { out, write }) {
  let parsed;
  try {
    parsed = parseArgs({ args: negativeIdsAsPositionals(argv), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error.message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '.'));
  }
  const { values, positionals } = parsed;
  const colour = !values['no-color'] && !values.json && process.stdout.isTTY && !('NO_COLOR' in process.env);
  const c = paint(colour);
  const [group, command, ...rest] = positionals;
  if (values.help || group === undefined) {
    out(USAGE);
    return group === undefined && !values.help ? 2 : 0;
  }
  if (group !== 'migration') throw new UsageError(`Unknown command \`${group}\`: kmb's commands are under \`kmb migration\`.`);
  if (command === undefined) throw new UsageError('Name a command, such as `kmb migration status`.');
  if (!COMMANDS.has(command)) throw new UsageError(`Unknown command \`${command}\`.`);
  checkOptionsOf(command, values);

  const rules = {};
  for (const rule of values.rule ?? []) {
    const [code, level] = rule.split('=');
    if (!code || !['off', 'error', 'warning', 'info', 'hint'].includes(level)) {
      throw new UsageError(`--rule takes <code>=<off|error|warning|info|hint>, not \`${rule}\`.`);
    }
    rules[code] = level;
  }
  const root = resolve(values.project ?? '.');
  const kind = statSync(root, { throwIfNoEntry: false });
  if (kind && !kind.isDirectory()) throw new UsageError(`--project ${root} is a file, not a project folder.`);
  // Only `create` starts a project where there is none; anything else there is a typo.
  if (!kind && command !== 'create' && command !== 'import') throw new UsageError(`There is no folder ${root}; name the project folder with --project (or run \`kmb migration create <name>\` there to start one).`);
  if (values.target !== undefined && !['postgresql', 'kimberlite'].includes(values.target)) throw new UsageError(`--target takes postgresql or kimberlite, not \`${values.target}\`.`);
  const project = openProject(root, { allowOutOfOrder: values['allow-out-of-order'], rules, ...(values.target ? { target: values.target } : {}) });
  // A folder is taken from where kmb runs; a URL, `kimberlite` (the project's server) and `kimberlite:memory` as they are.
  const database = !values.database || isServerUrl(values.database) || values.database === 'kimberlite'
    ? values.database
    : isKimberliteTarget(values.database) ? resolveKimberliteTarget(values.database, process.cwd()) : resolve(values.database);
  const json = (value) => out(JSON.stringify(value, null, 2));
  const printFormatted = (format, diagnostics) => {
    const text = reporter(format, diagnostics);
    if (text !== undefined) out(text);
  };
  const printDiagnostics = (diagnostics) => {
    for (const d of diagnostics) out(formatDiagnostic(d, c) + '\n');
  };

  switch (command) {
    case 'create': {
      const name = rest.join(' ');
      if (!name) throw new UsageError('create needs a name: `kmb migration create add users table`.');
      const templates = migrationTemplates().map((t) => t.name);
      if (values.template !== undefined && !templates.includes(values.template)) throw new UsageError(`--template is one of ${templates.join(', ')}, not \`${values.template}\`.`);
      const made = project.create(name, { author: values.author ?? null, template: values.template });
      if (values.json) json(made);
      else out(`Created ${made.path}`);
      return 0;
    }
    case 'validate':
    case 'status': {
      // An unfinished no-transaction run is one of the report's errors (project.js, withUnfinished).
      const { report, database: kind, trackerRewritten, drift = [], note } = await project.status({ database, statements: false });
      const format = command === 'validate' ? values.format ?? (values.json ? 'json' : 'text') : values.json ? 'json' : 'text';
      if (!FORMATS.includes(format)) throw new UsageError(`--format takes ${FORMATS.join(', ')}; not \`${format}\`.`);
      if (format !== 'text') {
        // validate's JSON is the whole report (as --json); the CI formats carry its findings.
        if (format === 'json') json(report);
        else printFormatted(format, report.diagnostics);
        return report.ok ? 0 : 1;
      }
      if (trackerRewritten) printDiagnostics(drift);
      if (command === 'status') {
        const states = { applied: c.green, pending: c.yellow, modified: c.red, missing: c.red, 'out-of-order': c.red };
        out(`${c.bold('Migrations')} in ${project.migrationsDir}${note ? ` (${note})` : kind ? ` (checked against the ${kind} database)` : ' (files only: no database yet)'}\n`);
        out(`  ${'ID'.padEnd(6)}${'STATUS'.padEnd(14)}${'CHECKSUM'.padEnd(10)}${'APPLIED AT'.padEnd(26)}NAME`);
        for (const m of report.migrations) {
          const status = (states[m.status] ?? String)(m.status.padEnd(14));
          out(`  ${String(m.id).padStart(4, '0').padEnd(6)}${status}${(m.checksum ?? '').slice(0, 8).padEnd(10)}${(m.appliedAt ?? '-').padEnd(26)}${m.name}`);
        }
        const s = report.summary;
        out(`\n  ${s.applied} applied, ${s.pending} pending${s.modified ? `, ${s.modified} modified` : ''}${s.missing ? `, ${s.missing} missing` : ''}${s.outOfOrder ? `, ${s.outOfOrder} out of order` : ''}\n`);
      }
      if (note && command === 'validate') out(c.dim(`(${note})`));
      printDiagnostics(command === 'status' ? report.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning') : report.diagnostics);
      out(summaryLine(report, c));
      return report.ok ? 0 : 1;
    }
    case 'lint': {
      const format = values.format ?? (values.json ? 'json' : 'text');
      if (!FORMATS.includes(format)) throw new UsageError(`--format takes ${FORMATS.join(', ')}; not \`${format}\`.`);
      const maxWarnings = wholeNumber(values['max-warnings'], '--max-warnings');
      // Named files: each on its own (file checks and lint rules). None: the
      // whole project, with the findings about its SQL files.
      let diagnostics;
      if (rest.length > 0) {
        // Files of the migrations folder are linted as part of the project,
        // knowing the schema the migrations before them built; others on their own.
        const isFile = (file) => {
          try {
            return statSync(file).isFile();
          } catch {
            return false;
          }
        };
        // Anything else (a FIFO, a missing file) is reported below, as a usage error.
        const inProject = (file) => file.endsWith('.sql') && dirname(resolve(file)) === project.migrationsDir && isFile(file);
        const named = rest.filter(inProject).map((file) => relative(project.root, resolve(file)));
        const kimberlite = project.target === 'kimberlite';
        const outside = rest.filter((file) => !inProject(file));
        if (kimberlite && outside.length > 0) {
          throw new UsageError(`--target kimberlite checks the project's migrations, running them in order: ${outside[0]} is not one of them. Name files of ${relative(process.cwd(), project.migrationsDir) || '.'}, or none.`);
        }
        const lintOnly = { lintOnly: named };
        const fromProject = named.length ? (kimberlite ? await project.kimberliteReport(lintOnly) : project.report(lintOnly)).diagnostics.filter((d) => named.includes(d.file)) : [];
        diagnostics = fromProject.concat(rest.filter((file) => !inProject(file)).flatMap((file) => {
          let contents;
          try {
            // A FIFO or a device named here would block or never end.
            if (!statSync(file).isFile()) throw new UsageError(`Cannot read ${file}: it is not a regular file.`);
            contents = readFileSync(file);
          } catch (error) {
            if (error instanceof UsageError) throw error;
            throw new UsageError(`Cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`);
          }
          return lintFile(file, contents, { rules: project.rules, ...(project.pgVersion ? { pgVersion: project.pgVersion } : {}) });
        }));
      } else {
        diagnostics = (await (project.target === 'kimberlite' ? project.kimberliteReport() : project.lintReport())).diagnostics.filter((d) => d.file.endsWith('.sql'));
      }
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
      const tooManyWarnings = maxWarnings !== undefined && warnings > maxWarnings;
      switch (format) {
        case 'json': json(diagnostics); break;
        case 'text': {
          printDiagnostics(diagnostics);
          if (diagnostics.length) out(`${summaryTable(diagnostics)}\n`);
          const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
          if (errors) out(c.red(`✘ ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`));
          else if (tooManyWarnings) out(c.red(`✘ ${plural(warnings, 'warning')}, more than --max-warnings ${maxWarnings}`));
          else out(c.green('✔ no errors') + (warnings ? c.yellow(`, ${plural(warnings, 'warning')}`) : ''));
          break;
        }
        default: printFormatted(format, diagnostics);
      }
      return errors > 0 || tooManyWarnings ? 1 : 0;
    }
    case 'lock': {
      const result = project.lock();
      if (values.json) json(result);
      else if (result.ok) out(`Lock file up to date: ${project.stateDir}/.lock`);
      else {
        printDiagnostics(result.diagnostics);
        out(c.red('✘ the lock was not changed'));
      }
      return result.ok ? 0 : 1;
    }
    case 'apply':
    case 'rollback': {
      const to = wholeNumber(values.to, '--to');
      const steps = wholeNumber(values.steps, '--steps');
      if (steps !== undefined && to !== undefined) throw new UsageError('Give --steps or --to, not both.');
      const verb = command === 'apply' ? 'Applying' : 'Rolling back';
      const onProgress = values.json
        ? () => {}
        : ({ phase, step, ms }) => {
            if (phase === 'start') write(`  ${verb} ${String(step.id).padStart(4, '0')} ${step.name} ... `);
            if (phase === 'done') out(c.green(`ok`) + c.dim(` (${ms} ms)`));
            if (phase === 'failed') out(c.red('failed'));
          };
      // The database as it will be reached: `kimberlite` and a Kimberlite project's default as the server's address.
      const shown = database === 'kimberlite' || (!database && project.target === 'kimberlite') ? project.kimberliteServer : database;
      if (!values.json) out(`${c.bold(command === 'apply' ? 'Apply' : 'Rollback')} on ${shown ? redact(shown) : 'the embedded database (.kimberlite/dev-db)'}${values['dry-run'] ? ' (dry run)' : ''}`);
      // Ctrl-C: the first cancels the statement running now and stops before
      // the next migration (the locks are released on the way out); a second
      // one exits at once.
      const cancelling = new AbortController();
      process.on('SIGINT', () => {
        if (cancelling.signal.aborted) process.exit(130);
        process.stderr.write('\nCancelling: the statement running now is cancelled and the run stops (Ctrl-C again to quit at once).\n');
        cancelling.abort();
      });
      const options = { database, to, steps, dryRun: values['dry-run'], onProgress, appliedBy: process.env.KMB_APPLIED_BY ?? null, signal: cancelling.signal };
      const result = command === 'apply' ? await project.apply(options) : await project.rollback(options);
      if (values.json) {
        json(result);
        return result.ok ? 0 : 1;
      }
      if (result.trackerRewritten) printDiagnostics(result.drift ?? []);
      if (!result.ok) {
        printDiagnostics(result.diagnostics);
        out(c.red(`✘ ${command} refused`));
        return 1;
      }
      const done = command === 'apply' ? result.applied : result.rolledBack;
      if (values['dry-run']) {
        for (const step of result.steps) out(`  would ${command === 'apply' ? 'apply' : 'roll back'} ${String(step.id).padStart(4, '0')} ${step.name} (${step.statements.length} statements${step.transactional ? '' : ', no transaction'})`);
      } else if (done.length === 0) out(command === 'apply' ? '  Nothing to apply: the database is up to date.' : '  Nothing to roll back.');
      out(c.green(`✔ ${values['dry-run'] ? result.steps.length : done.length} migration${(values['dry-run'] ? result.steps.length : done.length) === 1 ? '' : 's'} ${values['dry-run'] ? 'planned' : command === 'apply' ? 'applied' : 'rolled back'}`));
      return 0;
    }
    case 'baseline': {
      const id = wholeNumber(rest[0], 'baseline');
      if (id === undefined || id < 1 || rest.length > 1) throw new UsageError('Use `kmb migration baseline <id>`: the id of the last migration the database already has.');
      const done = await project.baseline(id, { database, appliedBy: process.env.KMB_APPLIED_BY ?? null });
      if (values.json) json(done);
      else out(c.green(`✔ Migrations ${done.baselined[0].id} to ${done.baselined[done.baselined.length - 1].id} marked applied (baseline): nothing was run.`));
      return 0;
    }
    case 'schema': {
      const at = values.at === undefined ? undefined : wholeNumber(values.at, 'schema --at');
      const format = values.json ? 'json' : values.format ?? 'text';
      if (!['text', 'sql', 'json'].includes(format) || rest.length > 0) throw new UsageError('Use `kmb migration schema [--at <id>] [--format text|sql|json]`.');
      if (at !== undefined && values.database) throw new UsageError('schema takes --at <id> (the schema after that migration, from a scratch database) or --database (that database as it is now), not both.');
      const schema = await project.schema({ at, database });
      if (format === 'json') json(schema);
      else if (format === 'sql') write(schemaSql(schema));
      else out(schemaText(schema, c));
      return 0;
    }
    case 'diff': {
      if (rest.length !== 2) throw new UsageError('Use `kmb migration diff <from> <to>`: two migration ids, or `database` for <to>.');
      const from = wholeNumber(rest[0], 'diff');
      const to = rest[1] === 'database' ? 'database' : wholeNumber(rest[1], 'diff');
      const result = await project.diff(from, to, { database });
      if (values.generate === undefined) {
        if (values.json) json(result.diff);
        else out(diffText(result.diff, c, rest));
        return 0;
      }
      if (!values.generate.trim()) throw new UsageError('--generate takes the new migration\'s name: `kmb migration diff 7 database --generate "capture hand-made changes"`.');
      const generated = project.generate(values.generate, result.diff, { author: values.author ?? null });
      if (values.json) json({ diff: result.diff, ...generated });
      else {
        out(diffText(result.diff, c, rest));
        for (const file of generated.written) out(c.green(`Created ${file.path}`));
        for (const item of generated.refused) out(c.yellow(`warning[not-generated]: ${item.object}: ${item.reason}`));
        if (result.diff.same) out('Nothing to generate: the schemas are the same.');
      }
      // What was refused needs a person: the run says so by its exit code.
      return generated.refused.length > 0 ? 1 : 0;
    }
    case 'squash': {
      if (rest.length > 0 || values.adopt === (values.to !== undefined)) throw new UsageError('Use `kmb migration squash --to <id>` (write the squash) or `kmb migration squash --adopt` (rewrite a database\'s history to it).');
      if (values.adopt) {
        const done = await project.adoptSquash({ database });
        if (values.json) json(done);
        else if (done.adopted) out(c.green(`✔ The history now records the squash (migration ${done.id}) in place of migrations 1 to ${done.id}; ${done.removed} row${done.removed === 1 ? '' : 's'} removed, nothing was run.`));
        else out(`Nothing to adopt: ${done.why}.`);
        return 0;
      }
      const to = wholeNumber(values.to, 'squash --to');
      const done = await project.squash(to, { dryRun: Boolean(values['dry-run']), author: values.author ?? null });
      if (values.json) {
        json(done);
        return 0;
      }
      if (!done.written) {
        write(done.text);
        return 0;
      }
      out(c.green(`✔ Migrations 1 to ${to} squashed into ${done.path}`) + ` (checked on two scratch databases: the same schema${done.down ? ', and its Down undoes it as theirs do' : ''}).`);
      if (!done.down) out(c.yellow(`  No Down section: ${done.noDown}.`));
      out(`  The ${done.replaced.length} replaced files are in ${done.squashedDir}${done.lockUpdated ? '; the lock now records the squash in their place' : ''}.`);
      out('  Next: commit the change. A new database applies the squash. Each database that applied the replaced');
      out('  migrations runs `kmb migration squash --adopt` (with --database for a server) once.');
      return 0;
    }
    case 'import': {
      if (!values.from) throw new UsageError('import needs --from golang-migrate|dbmate|sqlx|diesel|flyway.');
      if (rest.length !== 1) throw new UsageError('import takes one folder: `kmb migration import --from dbmate db/migrations`.');
      const done = project.importFrom(values.from, resolve(rest[0]));
      const errors = done.report.diagnostics.filter((d) => d.severity === 'error');
      if (values.json) {
        json({ migrations: done.migrations, problems: done.problems, diagnostics: done.report.diagnostics });
        return errors.length ? 1 : 0;
      }
      for (const m of done.migrations) out(`  ${m.fileName}  ← ${m.source}`);
      for (const p of done.problems) out(c.yellow(`warning[not-imported]: ${p.path}: ${p.message}`));
      printDiagnostics(errors);
      out(c.green(`✔ ${done.migrations.length} migration${done.migrations.length === 1 ? '' : 's'} written to ${project.migrationsDir}`) + (done.problems.length ? c.yellow(`, ${done.problems.length} file${done.problems.length === 1 ? '' : 's'} not imported`) : '') + (errors.length ? c.red(`, ${errors.length} error${errors.length === 1 ? '' : 's'} to fix`) : ''));
      out('  Next: `kmb migration validate`, `kmb migration lock`; for a database the old tool built, `kmb migration baseline <id>`.');
      return errors.length ? 1 : 0;
    }
    case 'repair': {
      const id = historyId(rest[0]);
      if (id === undefined || values.applied === values.pending) throw new UsageError('Use `kmb migration repair <id> --applied` or `--pending`.');
      const done = await project.repair(id, { database, as: values.applied ? 'applied' : 'pending' });
      if (values.json) {
        json(done);
        return 0;
      }
      out(`Migration ${id} marked ${values.applied ? 'applied' : 'pending'}.`);
      if (done.remaining?.length) out(c.yellow(`  The history still has rows kmb cannot use (ids ${done.remaining.join(', ')}): repair each the same way.`));
      if (done.invalidIndexes?.length) {
        out(c.yellow(`  Its failed run left ${done.invalidIndexes.length === 1 ? 'an INVALID index' : 'INVALID indexes'}, which \`IF NOT EXISTS\` would skip; drop ${done.invalidIndexes.length === 1 ? 'it' : 'them'} before apply:`));
        for (const name of done.invalidIndexes) out(c.yellow(`    DROP INDEX CONCURRENTLY IF EXISTS ${name};`));
      }
      return 0;
    }
  }
  return 2;
}

// A reader that stops early (`kmb migration status | head`) closes stdout:
// stop writing and let the command finish, as a migration may be running.
let stdoutClosed = false;
process.stdout.on('error', (error) => {
  if (!stdoutClosed && error.code !== 'EPIPE') process.stderr.write(`kmb: cannot write the output: ${error.message}\n`);
  stdoutClosed = true;
});
const write = (text) => {
  if (!stdoutClosed) process.stdout.write(text);
};
const out = (text) => write(`${text}\n`);
try {
  process.exitCode = await main(process.argv.slice(2), { out, write });
} catch (error) {
  const c = paint(process.stderr.isTTY && !('NO_COLOR' in process.env));
  // With --json, stdout always carries one JSON value, failures included.
  if (process.argv.includes('--json')) {
    const known = error instanceof KmbError;
    const failure = {
      ok: false,
      error: known
        ? { code: error.code, message: error.message, help: error.help ?? null, ...(error.database ? { database: error.database } : {}), ...(error.invalidIndexes ? { invalidIndexes: error.invalidIndexes } : {}), ...(error.blockers ? { blockers: error.blockers } : {}) }
        : { code: 'internal', message: String(error?.message ?? error), help: 'this is a bug in kmb; please report it' },
      diagnostics: (known && error.diagnostics) || [],
      // apply and rollback: the migrations this run finished before it stopped.
      ...(known && error.applied ? { applied: error.applied } : {}),
      ...(known && error.rolledBack ? { rolledBack: error.rolledBack } : {}),
    };
    write(`${JSON.stringify(failure, null, 2)}\n`);
  }
  if (error instanceof KmbError) {
    if (error.diagnostics) for (const d of error.diagnostics) process.stderr.write(formatDiagnostic(d, c) + '\n');
    process.stderr.write(`${c.red(c.bold(`error[${error.code}]`))}: ${error.message}\n`);
    if (error.help) process.stderr.write(`  ${c.cyan('help:')} ${error.help}\n`);
    process.exitCode = error.exitCode ?? 1;
  } else {
    process.stderr.write(`${c.red(c.bold('error[internal]'))}: ${error?.message ?? error}\n  help: this is a bug in kmb; please report it${process.env.KMB_DEBUG ? `\n${error?.stack}` : ' (set KMB_DEBUG=1 for details)'}.\n`);
    process.exitCode = 1;
  }
}
