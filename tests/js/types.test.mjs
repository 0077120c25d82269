// index.d.ts is precise: a usage file touching every export compiles under
// `tsc --noEmit --strict`, and misuse does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consumerDir, packageDir } from './package.mjs';

const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

const USAGE = `
import { ready, analyze, checksum, parseMigration, splitStatements, lint, createMigration, updateLock,
  recordApplied, removeApplied, planApply, planRollback, codes, version, projectLayout } from 'kimberlite-migration';
import { openProject } from 'kimberlite-migration-cli';
import type { Executor, Project, ApplyResult } from 'kimberlite-migration-cli';
import type { Diagnostic, Report, Migration, Step, Code, Status, ProjectInput, Statement } from 'kimberlite-migration';

await ready();
const input: ProjectInput = { files: [{ path: 'm/0001_a.sql', contents: new Uint8Array() }], lock: null, options: { rules: { 'missing-down': 'off' } } };
const report: Report = analyze(input);
const first: Diagnostic | undefined = report.diagnostics[0];
const code: Code | undefined = first?.code;
const line: number | undefined = first?.range?.start.line;
const status: Status | undefined = report.migrations[0]?.status;
const sum: string | null = checksum('SELECT 1;');
const migration: Migration = parseMigration('m/0001_a.sql', 'SELECT 1;');
const up: Statement[] = migration.up;
const parts: number = splitStatements('SELECT 1; SELECT 2').length;
const found: Diagnostic[] = lint('m/0001_a.sql', 'BEGIN;');
const created: string | null = createMigration({ existing: [], name: 'x', created: '2026-11-24T09:30:00Z' }).fileName;
const lock: string | null = updateLock(input).text;
const tracked: string | null = recordApplied({ tracker: null, entry: { id: 1, name: 'a', checksum: 'x', appliedAt: 'y' } }).text;
const removed: boolean = removeApplied({ tracker: null, id: 1 }).ok;
const steps: Step[] = planApply({ ...input, to: 3 }).steps;
const back: Step[] = planRollback({ ...input, steps: 1 }).steps;
const table: string = codes()[0].summary;
const v: string = version();
const project: Project = openProject('.', { migrationsDir: 'migrations' });
const executor: Executor = { query: async () => ({ rows: [] }), transaction: async (fn) => fn({ query: async () => ({ rows: [] }) }), close: async () => {} };
const result: ApplyResult = await project.apply({ database: executor, to: 2, onProgress: (e) => console.log(e.phase, e.step.id) });
const made: string = project.create('x').fileName;
const folder: string = projectLayout('.').migrationsDir;
console.log(folder);
console.log(result.applied.length, made);
console.log(found, code, line, status, sum, up, parts, created, lock, tracked, removed, steps, back, table, v, first);
`;

function compile(source, { conditions } = {}) {
  // Inside the consumer project, so 'kimberlite-migration' resolves through
  // node_modules and the package's `exports` "types" condition.
  const dir = mkdtempSync(join(consumerDir, 'types-'));
  writeFileSync(join(dir, 'usage.ts'), source);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022',
      lib: ['es2022', 'dom'], types: [],
      ...(conditions ? { customConditions: conditions, module: 'preserve', moduleResolution: 'bundler' } : {}),
    },
    files: ['usage.ts'],
  }));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', cwd: consumerDir });
    return '';
  } catch (error) {
    return error.stdout || String(error);
  }
}

test('a usage file touching every export compiles with --strict', () => {
  assert.equal(compile(USAGE), '');
});

test('misuse is a type error', () => {
  assert.match(compile(`import { analyze } from 'kimberlite-migration';\nanalyze({ files: [{ path: 1 }] });\n`), /error TS/);
  assert.match(compile(`import { parseMigration } from 'kimberlite-migration';\nconst n: number = parseMigration('a', 'b').name;\n`), /error TS/);
});

test('types follow the entry: the Node layer is declared for node, not for browser', () => {
  const node = `import { projectOfFile } from 'kimberlite-migration';\nconst p: string | undefined = projectOfFile('m/0001_a.sql')?.root;\nconsole.log(p);\n`;
  assert.equal(compile(node), '');
  // A bundler building for browsers resolves the browser entry, which has no file system.
  assert.match(compile(node, { conditions: ['browser'] }), /has no exported member (named )?'projectOfFile'/);
  assert.equal(compile(`import { analyze } from 'kimberlite-migration';\nconsole.log(analyze({ files: [] }).ok);\n`, { conditions: ['browser'] }), '');
  // openProject is the CLI package's, nowhere in the core.
  assert.match(compile(`import { openProject } from 'kimberlite-migration';\nopenProject('.');\n`), /has no exported member (named )?'openProject'/);
});

test('the public types have no any', () => {
  const files = [`${packageDir}index.d.ts`, `${packageDir}node.d.ts`, `${consumerDir}node_modules/kimberlite-migration-cli/index.d.ts`];
  for (const file of files) {
    const source = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    assert.doesNotMatch(source, /\bany\b/, file);
  }
  assert.match(readFileSync(files[0], 'utf8'), /export function analyze/);
});
