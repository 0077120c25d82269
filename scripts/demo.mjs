// Validates a migrations project with the built package and prints its
// status, its diagnostics and what an apply would run. A preview of
// `kmb migration status` (the CLI, with databases, is issue 4).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyze, planApply } from '../pkg/node.js';

const project = process.argv[2] ?? 'examples/shop';
const migrationsDir = join(project, 'migrations');
const state = join(project, '.kimberlite', 'migrations');
const read = (path) => (existsSync(path) ? readFileSync(path, 'utf8') : null);

const files = readdirSync(migrationsDir)
  .filter((name) => name.endsWith('.sql'))
  .map((name) => ({ path: relative(project, join(migrationsDir, name)), contents: readFileSync(join(migrationsDir, name)) }));
const input = { files, lock: read(join(state, '.lock')), tracker: read(join(state, 'applied.toml')) };
const report = analyze(input);

console.log(`Project ${project}: ${report.summary.total} migrations, ${report.summary.applied} applied, ${report.summary.pending} pending\n`);
console.log('  id  status        checksum  name');
for (const m of report.migrations) {
  console.log(`  ${String(m.id).padStart(2)}  ${m.status.padEnd(12)}  ${(m.checksum ?? '').slice(0, 8).padEnd(8)}  ${m.name}`);
}
if (report.diagnostics.length) console.log();
for (const d of report.diagnostics) {
  const at = d.range ? `:${d.range.start.line + 1}:${d.range.start.character + 1}` : '';
  console.log(`${d.file}${at}: ${d.severity} [${d.code}] ${d.message}`);
  if (d.help) console.log(`  help: ${d.help}`);
}
const plan = planApply(input);
console.log(plan.ok ? `\nApply would run ${plan.steps.length} migration(s):` : '\nApply is refused until the errors above are fixed.');
for (const step of plan.steps) {
  console.log(`  ${step.id} ${step.name}: ${step.statements.length} statement(s)${step.transactional ? '' : ', outside a transaction'}`);
}
process.exit(report.ok ? 0 : 1);
