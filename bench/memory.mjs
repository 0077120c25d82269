// Peak memory of one lint call on large files of several shapes, as a ratio
// to the input: `node bench/memory.mjs` runs each shape and size in a child
// process of its own (peak RSS from /proc, less the process's own RSS
// before the call) and prints the table. Goal (issue 12): at most 5x.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SHAPES = {
  'one line of statements': 'SELECT 1;',
  'a statement per line': 'SELECT 1;\n',
  'psql commands (\\x lines)': '\\x\n',
  'repeated markers': '-- Down Migration\n',
  'Unicode spaces in SQL': 'SELECT\u00a01;\n',
};

if (process.argv[2] === '--child') {
  const kmb = await import(new URL('../packages/core/node.js', import.meta.url));
  const [, , , shape, megabytes] = process.argv;
  const unit = SHAPES[shape];
  const text = unit.repeat(Math.ceil((Number(megabytes) * 1024 * 1024) / Buffer.byteLength(unit)));
  const bytes = Buffer.from(text);
  // The first calls compile the module's code, and the engine optimises
  // what runs hot: a fixed cost of about 15 MB, paid here on 64 KB of the
  // same shape before measuring what the input itself costs.
  kmb.lint('migrations/0001_x.sql', Buffer.from(unit.repeat(Math.ceil(65536 / unit.length))));
  const status = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
  const before = status('VmRSS');
  const started = performance.now();
  // KMB_MEMORY_CALL=parseMigration measures handing every statement over instead.
  const result = kmb[process.env.KMB_MEMORY_CALL ?? 'lint']('migrations/0001_x.sql', bytes);
  const findings = Array.isArray(result) ? result.length : result.diagnostics.length;
  const ms = performance.now() - started;
  const peak = status('VmHWM');
  process.stdout.write(JSON.stringify({ bytes: bytes.length, extra: peak - before, findings, ms }));
} else {
  const sizes = (process.env.KMB_MEMORY_SIZES ?? '1,10,100').split(',').map(Number);
  console.log('| shape | input | peak extra memory | ÷ input | findings | time |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const shape of Object.keys(SHAPES)) {
    for (const megabytes of sizes) {
      const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', shape, String(megabytes)], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (child.status !== 0) {
        console.log(`| ${shape} | ${megabytes} MB | failed: ${(child.stderr.split('\n').find((l) => /Error/.test(l)) ?? child.stderr).slice(0, 80)} | | | |`);
        continue;
      }
      const r = JSON.parse(child.stdout);
      console.log(`| ${shape} | ${megabytes} MB | ${(r.extra / 1048576).toFixed(0)} MB | ${(r.extra / r.bytes).toFixed(1)} | ${r.findings} | ${Math.round(r.ms)} ms |`);
    }
  }
}
