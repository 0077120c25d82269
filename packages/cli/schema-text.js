// `kmb migration schema` and `diff` as text for a terminal.
import { columnSql } from 'kimberlite-migration';

const plural = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The schema: each table with its columns, constraints and indexes. */
export function schemaText(schema, c) {
  if (schema.tables.length === 0) return 'No tables.';
  const lines = [];
  for (const table of schema.tables) {
    lines.push(c.bold(`table ${table.name}`));
    for (const column of table.columns) lines.push(`  ${columnSql(column)}`);
    for (const constraint of table.constraints) lines.push(c.dim(`  ${constraint.kind} ${constraint.name}: ${constraint.definition}${constraint.validated ? '' : ' (NOT VALID)'}`));
    for (const index of table.indexes) lines.push(c.dim(`  index ${index.name}: ${index.definition}${index.valid ? '' : ' (INVALID)'}`));
    lines.push('');
  }
  lines.push(plural(schema.tables.length, 'table'));
  return lines.join('\n');
}

/** A diff: `+` added, `-` removed, `~` changed, table by table. */
export function diffText(diff, c, [from, to]) {
  const head = `Schema after migration ${from} → ${to === 'database' ? 'the database' : `after migration ${to}`}:`;
  if (diff.same) return `${head} no change.`;
  const lines = [head];
  for (const table of diff.added) lines.push(c.green(`+ table ${table.name} (${plural(table.columns.length, 'column')})`));
  for (const table of diff.removed) lines.push(c.red(`- table ${table.name}`));
  for (const table of diff.changed) {
    lines.push(c.yellow(`~ table ${table.name}`));
    const part = (changes, word, describe) => {
      for (const item of changes.added) lines.push(c.green(`    + ${word} ${describe(item)}`));
      for (const item of changes.removed) lines.push(c.red(`    - ${word} ${item.name}`));
      for (const { name, from: before, to: after } of changes.changed) lines.push(c.yellow(`    ~ ${word} ${name}: ${describe(before)} → ${describe(after)}`));
    };
    part(table.columns, 'column', columnSql);
    part(table.constraints, 'constraint', (item) => `${item.name} ${item.definition}${item.validated ? '' : ' NOT VALID'}`);
    part(table.indexes, 'index', (item) => `${item.definition}${item.valid ? '' : ' (INVALID)'}`);
  }
  return lines.join('\n');
}
