// `kmb migration schema` and `diff` as text for a terminal; the wording is the core's.
import { columnSql, constraintText, diffLines, indexText } from 'kimberlite-migration';

const plural = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The schema: each table with its columns, constraints, indexes and triggers; then views and functions. */
export function schemaText(schema, c) {
  const views = schema.views ?? [];
  const functions = schema.functions ?? [];
  if (schema.tables.length === 0 && views.length === 0 && functions.length === 0) return 'No tables.';
  const lines = [];
  for (const table of schema.tables) {
    lines.push(c.bold(`table ${table.name}`));
    for (const column of table.columns) lines.push(`  ${columnSql(column)}`);
    for (const constraint of table.constraints) lines.push(c.dim(`  ${constraintText(constraint)}`));
    for (const index of table.indexes) lines.push(c.dim(`  index ${index.name}: ${indexText(index)}`));
    for (const trigger of table.triggers ?? []) lines.push(c.dim(`  trigger ${trigger.name}: ${trigger.definition}`));
    lines.push('');
  }
  for (const view of views) lines.push(`${c.bold(`view ${view.name}`)}${view.options.length ? c.dim(` (${view.options.join(', ')})`) : ''}`);
  for (const routine of functions) lines.push(c.bold(`${routine.kind} ${routine.name}`));
  if (views.length > 0 || functions.length > 0) lines.push('');
  lines.push([plural(schema.tables.length, 'table'), ...(views.length ? [plural(views.length, 'view')] : []), ...(functions.length ? [plural(functions.length, 'function')] : [])].join(', '));
  return lines.join('\n');
}

/** A diff: `+` added, `-` removed, `~` changed, table by table. */
export function diffText(diff, c, [from, to]) {
  const head = `Schema after migration ${from} → ${to === 'database' ? 'the database' : `after migration ${to}`}:`;
  if (diff.same) return `${head} no change.`;
  const colour = { '+': c.green, '-': c.red, '~': c.yellow };
  return [head, ...diffLines(diff).map((line) => colour[line.sign](`${line.table ? '    ' : ''}${line.sign} ${line.text}`))].join('\n');
}
