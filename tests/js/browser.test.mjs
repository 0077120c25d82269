// The browser entry: in Node through ready({ module_or_path }), and in real
// headless Chromium on a page that imports the package as native ESM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { consumerDir, packageDir } from './package.mjs';

const CHROMIUM = '/usr/bin/chromium';

test('browser.js in Node: calls before ready() throw, then it works', async () => {
  const browser = await import(`${packageDir}browser.js`);
  assert.throws(() => browser.checksum('SELECT 1;'), (e) => e.code === 'not-ready');
  const bytes = await readFile(`${packageDir}kimberlite_migration_bg.wasm`);
  // Both modules from bytes (Node's fetch reads no file: URL).
  await browser.ready({ module_or_path: bytes, lint: await readFile(`${packageDir}kimberlite_migration_lint_bg.wasm`) });
  await browser.ready();
  await browser.readyLint();
  assert.equal(browser.checksum('SELECT 1;'), '17db4fd369edb9244b9f91d9aeed145c3d04ad8ba6e95d06247f07a63527d11a');
  const report = browser.analyze({ files: [{ path: 'm/0001_a.sql', contents: 'SELECT 1;' }] });
  assert.equal(report.migrations[0].status, 'pending');
  const found = browser.lint('m/0001_a.sql', INDEX);
  assert.deepEqual(found.map((d) => d.code), ['require-concurrent-index-creation', 'non-transactional-statement']);
  assert.equal(INDEX.slice(found[0].span.start, found[0].span.end), 'CREATE INDEX i ON t (c);');
});

// squawk's rule (Up) and ours (Down), through both modules.
const INDEX = 'CREATE INDEX i ON t (c);\n-- Down Migration\nDROP INDEX CONCURRENTLY i;\n';

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>kimberlite-migration in a browser</title>
<link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "kimberlite-migration": "/node_modules/kimberlite-migration/browser.js" } }</script>
<script type="module">
  import { ready, readyLint, analyze, checksum, lint } from 'kimberlite-migration';
  // The core alone first (the lint module is squawk's parser and rules),
  // then the lint module: the same file before and after.
  await ready({ lint: false });
  const index = \`${INDEX.replaceAll('\n', '\\n')}\`;
  const before = lint('migrations/0001_i.sql', index).map((d) => d.code);
  await readyLint();
  const after = lint('migrations/0001_i.sql', index).map((d) => d.code);
  const report = analyze({
    files: [
      { path: 'migrations/0001_users.sql', contents: new TextEncoder().encode('CREATE TABLE users (id BIGINT);\\n-- Down Migration\\nDROP TABLE users;\\n') },
      { path: 'migrations/0003_gap.sql', contents: 'SELECT 1;' },
    ],
  });
  window.result = { report, sum: checksum('SELECT 1;'), before, after };
</script>`;

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };

function serve() {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url, 'http://x').pathname;
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    const file = normalize(join(consumerDir, path));
    if (!file.startsWith(consumerDir) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    response.end(await readFile(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('native ESM in headless Chromium: import the package, analyze a project', async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/setup installs Debian's chromium`);
  const { chromium } = await import('playwright-core');
  const server = await serve();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.result, null, { timeout: 20000 });
    const { report, sum, before, after } = await page.evaluate(() => window.result);
    assert.deepEqual(before, ['lint-skipped', 'lint-skipped', 'non-transactional-statement']);
    assert.deepEqual(after, ['require-concurrent-index-creation', 'non-transactional-statement']);
    assert.equal(sum, '17db4fd369edb9244b9f91d9aeed145c3d04ad8ba6e95d06247f07a63527d11a');
    assert.deepEqual(report.migrations.map((m) => [m.id, m.status]), [[1, 'pending'], [3, 'pending']]);
    assert.ok(report.diagnostics.some((d) => d.code === 'sequence-gap' && /ids? 2/.test(d.message)));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    server.close();
  }
});
