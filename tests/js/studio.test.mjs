// The Studio in real headless Chromium, clicking what a user clicks.
// Screenshots of the main states go to target/studio-screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/studio.mjs';

const SHOTS = fileURLToPath(new URL('../../target/studio-screenshots/', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../examples/shop/', import.meta.url));
let server;
let browser;
let url;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await serve(0);
  url = `http://127.0.0.1:${server.address().port}/`;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});
after(async () => {
  await browser?.close();
  server?.close();
});

/**
 * A fresh page that fails the test on any console error or page error;
 * `init` runs in the page before its own scripts.
 */
async function open({ viewport = { width: 1280, height: 900 }, init } = {}) {
  const context = await browser.newContext({ acceptDownloads: true, viewport });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(String(error)));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  return { page, problems, context };
}

/** The end of a test: no console or page error, the browser context and the project's copy gone. */
async function finish({ problems, context, project }) {
  assert.deepEqual(problems, []);
  await context.close();
  rmSync(join(project, '..'), { recursive: true, force: true });
}

function copyOf(source) {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-studio-'));
  cpSync(source, join(dir, 'shop'), { recursive: true });
  return join(dir, 'shop');
}

test('load examples/shop, inspect a tampered file, create a migration, try apply', async () => {
  const project = copyOf(EXAMPLE);
  const { page, problems, context } = await open();
  await page.setInputFiles('#folder', project);
  await page.waitForSelector('#status tbody tr');
  const rows = await page.$$eval('#status tbody tr', (trs) => trs.map((tr) => [...tr.cells].slice(0, 3).map((td) => td.textContent)));
  assert.deepEqual(rows, [
    ['0001', 'Create customers', 'pending'],
    ['0002', 'Create products', 'pending'],
    ['0003', 'Create orders', 'pending'],
    ['0004', 'Order totals', 'pending'],
  ]);
  assert.match(await page.textContent('#summary'), /0applied.*4pending.*0with problems/s);
  await page.screenshot({ path: join(SHOTS, '1-project.png'), fullPage: true });

  // Edit a locked migration in the test's copy: checksum-mismatch, with its range highlighted.
  const file = join(project, 'migrations', '0002_create_products.sql');
  writeFileSync(file, readFileSync(file, 'utf8').replace('price_cents INTEGER', 'price_cents BIGINT'));
  await page.setInputFiles('#folder', project);
  const tamper = page.locator('#diagnostics button', { hasText: 'checksum-mismatch' });
  await tamper.click();
  assert.match(await page.textContent('#viewer-file'), /migrations\/0002_create_products\.sql/);
  const marked = await page.textContent('#source mark');
  assert.ok(marked.startsWith('CREATE TABLE products ('), marked);
  assert.match(marked, /price_cents BIGINT/);
  assert.match(await page.textContent('#viewer-help'), /Revert the edit/);
  assert.equal(await page.locator('#status tbody tr').nth(1).locator('.badge').textContent(), 'modified');
  await page.screenshot({ path: join(SHOTS, '2-tampered.png'), fullPage: true });

  // By keyboard: Tab reaches the diagnostics, Enter opens one.
  await page.locator('#diagnostics button').nth(1).focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('#diagnostics button').first().getAttribute('aria-pressed'), 'true');
  // The folder button works by keyboard: Enter clicks the folder input
  // (observed on the input itself; the native chooser is not what is tested).
  await page.evaluate(() => {
    document.getElementById('folder').addEventListener('click', (event) => {
      event.preventDefault();
      window.folderChooserOpened = true;
    }, { once: true });
  });
  await page.focus('button[data-opens="folder"]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.folderChooserOpened === true, null, { timeout: 10000 });

  // The lock is refused while the file is tampered with.
  await page.click('#update-lock');
  await page.waitForSelector('#lock-result .error-text');
  assert.match(await page.textContent('#lock-result'), /not updated[\s\S]*checksum-mismatch/);

  // Back to the original file: create a migration and check the download.
  cpSync(join(EXAMPLE, 'migrations', '0002_create_products.sql'), file);
  await page.setInputFiles('#folder', project);
  // The project is checked in a worker: wait for the new report.
  await page.waitForFunction(() => !document.getElementById('diagnostics').textContent.includes('checksum-mismatch'));
  await page.fill('#new-name', 'Add reviews!');
  const [created] = await Promise.all([page.waitForEvent('download'), page.click('#create button[type=submit]')]);
  assert.equal(created.suggestedFilename(), '0005_add_reviews.sql');
  const text = readFileSync(await created.path(), 'utf8');
  assert.match(text, /^-- Migration: Add reviews!\n-- Created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n-- Author: \n\n-- Up Migration\n/);
  // From a template: SQL written the way the lint rules want it.
  await page.fill('#new-name', 'create reviews table');
  await page.selectOption('#new-template', 'table');
  const [fromTemplate] = await Promise.all([page.waitForEvent('download'), page.click('#create button[type=submit]')]);
  assert.match(readFileSync(await fromTemplate.path(), 'utf8'), /CREATE TABLE reviews \(\n {4}id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,/);

  // An updated lock now adds migration 4.
  const [lock] = await Promise.all([page.waitForEvent('download'), page.click('#update-lock')]);
  // Saved under the name the page gives, which it tells how to rename.
  assert.equal(lock.suggestedFilename(), 'kimberlite-migrations.lock');
  assert.match(await page.textContent('#lock-result'), /mv kimberlite-migrations\.lock \.kimberlite\/migrations\/\.lock/);
  const lockText = readFileSync(await lock.path(), 'utf8');
  assert.match(lockText, /\[\[migration\]\]\nid = 4\nname = "Order totals"/);

  // Try apply: every migration in an in-browser PGlite, then the tables.
  await page.click('#try-apply');
  await page.waitForSelector('#tables section[data-table="orders"]', { timeout: 60000 });
  const tables = await page.$$eval('#tables section h3', (hs) => hs.map((h) => h.textContent));
  assert.deepEqual(tables, ['customers', 'order_lines', 'orders', 'products']);
  assert.equal(await page.locator('#apply-log .ok').count(), 4);
  // Focus is back on the button, not lost to the page.
  await page.waitForFunction(() => document.activeElement?.id === 'try-apply');
  // The status badges read at WCAG AA contrast (4.5:1 and up).
  const contrast = await page.$eval('#status .badge', (badge) => {
    const rgb = (text) => text.match(/\d+/g).slice(0, 3).map(Number);
    const lum = (c) => {
      const [r, g, b] = c.map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const style = getComputedStyle(badge);
    const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  });
  assert.ok(contrast >= 4.5, `badge contrast ${contrast.toFixed(2)}:1`);
  await page.screenshot({ path: join(SHOTS, '3-tried.png'), fullPage: true });
  await finish({ problems, context, project });
});

test('a failing migration shows the database error at the statement', async () => {
  const project = copyOf(EXAMPLE);
  writeFileSync(join(project, 'migrations', '0005_broken.sql'), '-- Migration: Broken\nCREATE TABLE fine (id INT);\nINSERT INTO nowhere VALUES (1);\n-- Down Migration\nDROP TABLE fine;\n');
  const { page, problems, context } = await open();
  await page.setInputFiles('#folder', project);
  await page.click('#try-apply');
  await page.waitForSelector('#apply-log .failed', { timeout: 60000 });
  const failure = await page.textContent('#apply-log li:last-child');
  assert.match(failure, /migrations\/0005_broken\.sql:3:1/);
  assert.match(failure, /relation "nowhere" does not exist/);
  assert.equal(await page.locator('#apply-log .ok').count(), 4);
  await finish({ problems, context, project });
});

test('Try apply loads the PGlite extensions the migrations create; one PGlite lacks is named as its limit', async () => {
  const project = copyOf(EXAMPLE);
  writeFileSync(join(project, 'migrations', '0005_crypto.sql'), "-- Migration: Crypto\n-- Up Migration\nCREATE EXTENSION IF NOT EXISTS pgcrypto;\nCREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";\nCREATE TABLE tokens (id uuid DEFAULT uuid_generate_v4(), hash bytea DEFAULT digest('x', 'sha256'));\nINSERT INTO tokens DEFAULT VALUES;\n-- Down Migration\nDROP TABLE tokens;\n");
  const { page, problems, context } = await open();
  await page.setInputFiles('#folder', project);
  await page.click('#try-apply');
  await page.waitForSelector('#tables section[data-table="tokens"]', { timeout: 60000 });
  assert.equal(await page.locator('#apply-log .ok').count(), 5);
  writeFileSync(join(project, 'migrations', '0006_gis.sql'), '-- Migration: Gis\n-- Up Migration\nCREATE EXTENSION postgis;\n-- Down Migration\nDROP EXTENSION postgis;\n');
  await page.setInputFiles('#folder', project);
  // Opened again: the last run's log and tables are gone.
  await page.waitForFunction(() => document.querySelectorAll('#apply-log li').length === 0, null, { timeout: 10000 });
  assert.equal(await page.locator('#tables section').count(), 0);
  await page.click('#try-apply');
  await page.waitForSelector('#apply-log .failed', { timeout: 60000 });
  const failure = await page.textContent('#apply-log li:last-child');
  assert.match(failure, /does not ship the extension postgis; apply this project on a PostgreSQL server/);
  await finish({ problems, context, project });
});

test('hostile file names and SQL are shown as text and never run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-hostile-'));
  const migrations = join(dir, 'evil', 'migrations');
  mkdirSync(migrations, { recursive: true });
  const evilName = '0001_<img src=x onerror=window.pwned=1>.sql';
  writeFileSync(join(migrations, evilName), '<script>window.pwned=2</script>\n');
  writeFileSync(join(migrations, '0002_x.sql'), "-- Migration: <img src=x onerror=window.pwned=3>\nSELECT '<script>window.pwned=4</script>', '<img src=x onerror=window.pwned=5>';\n-- Down Migration\nSELECT 1;\n");
  const { page, problems, context } = await open();
  await page.setInputFiles('#folder', join(dir, 'evil'));
  await page.waitForSelector('#diagnostics li');
  for (const button of await page.$$('#diagnostics button')) await button.click();
  await page.click('#try-apply');
  await page.waitForSelector('#apply-log li');
  await page.waitForTimeout(500);
  const body = await page.textContent('body');
  assert.ok(body.includes('<img src=x onerror=window.pwned=3>'), 'the hostile title is shown as text');
  assert.ok(body.includes(evilName), 'the hostile file name is shown as text');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await page.locator('main img, main script').count(), 0);
  await page.screenshot({ path: join(SHOTS, '4-hostile.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a folder with kimberlite.toml: its migrations directory is the one shown, its rule levels apply, its mistakes are listed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-studio-config-'));
  const project = join(dir, 'app');
  cpSync(join(EXAMPLE, 'migrations'), join(project, 'db', 'migrations'), { recursive: true });
  // A decoy folder named migrations, which only the setting tells apart.
  mkdirSync(join(project, 'vendor', 'migrations'), { recursive: true });
  writeFileSync(join(project, 'vendor', 'migrations', '0001_other.sql'), '-- Migration: Other\nSELECT 1;\n');
  writeFileSync(join(project, 'db', 'migrations', '0005_wipe.sql'), '-- Migration: Wipe\nDELETE FROM customers;\n-- Down Migration\nSELECT 1;\n');
  writeFileSync(join(project, 'kimberlite.toml'), '[migrations]\ndirectory = "db/migrations"\n\n[migrations.lint.rules]\ndestructive-statement = "error"\n');
  const { page, problems, context } = await open();
  await page.setInputFiles('#folder', project);
  await page.waitForSelector('#status tbody tr');
  const ids = await page.$$eval('#status tbody tr', (trs) => trs.map((tr) => tr.cells[0].textContent));
  assert.deepEqual(ids, ['0001', '0002', '0003', '0004', '0005']);
  const wipe = page.locator('#diagnostics button', { hasText: 'destructive-statement' });
  assert.match(await wipe.textContent(), /error/);

  // A project that targets Kimberlite: the page says that Kimberlite's own check needs the native helper.
  writeFileSync(join(project, 'kimberlite.toml'), '[migrations]\ndirectory = "db/migrations"\ntarget = "kimberlite"\n');
  await page.setInputFiles('#folder', project);
  const notChecked = page.locator('#diagnostics li', { hasText: 'kimberlite-not-checked' });
  await notChecked.waitFor();
  assert.match(await notChecked.textContent(), /needs the native helper kmb-kimberlite/);

  writeFileSync(join(project, 'kimberlite.toml'), '[migrations]\ndirectory = "db/migrations"\n\n[migrations.lint.rules]\ndestructive-statment = "off"\n');
  await page.setInputFiles('#folder', project);
  await page.locator('#diagnostics button', { hasText: 'invalid-config' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
  rmSync(dir, { recursive: true, force: true });
});

test('at 390 px wide nothing scrolls sideways, and the core\'s `code` in messages and help shows as code, not backticks', async () => {
  const project = copyOf(EXAMPLE);
  const { page, problems, context } = await open({ viewport: { width: 390, height: 844 } });
  await page.setInputFiles('#folder', project);
  await page.waitForSelector('#diagnostics li');
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(scroll <= client, `the page is ${scroll} px wide in a ${client} px window`);
  const first = page.locator('#diagnostics li').first();
  assert.doesNotMatch(await first.textContent(), /`/);
  assert.ok(await first.locator('code').count() > 0);
  await page.screenshot({ path: join(SHOTS, '4-narrow.png'), fullPage: true });
  await finish({ problems, context, project });
});

/** A project of `count` migrations about the size of lemmy's (342 files, 1 MB). */
function largeProject(count = 342) {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-studio-large-'));
  mkdirSync(join(dir, 'big', 'migrations'), { recursive: true });
  const padding = 'Kept for the size of a real project. '.repeat(70);
  for (let id = 1; id <= count; id++) {
    const name = `t_${id}`;
    writeFileSync(join(dir, 'big', 'migrations', `${String(id).padStart(4, '0')}_create_${name}.sql`), [
      `-- Migration: Create ${name}`,
      `CREATE TABLE ${name} (id BIGINT PRIMARY KEY, name TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now(), payload JSONB);`,
      `CREATE INDEX ${name}_name ON ${name} (name);`,
      // A lint finding a file, as real projects have: an index built without CONCURRENTLY on an existing table.
      ...(id > 1 ? [`CREATE INDEX ${name}_before ON t_${id - 1} (created_at);`] : []),
      `INSERT INTO ${name} (id, name) SELECT g, 'row ' || g FROM generate_series(1, 20) g;`,
      `COMMENT ON TABLE ${name} IS '${padding}';`,
      '-- Down Migration',
      `DROP TABLE ${name};`,
      '',
    ].join('\n'));
  }
  return join(dir, 'big');
}

/** The whole-project calls: on a large project each takes long enough to freeze a page. */
const WHOLE_PROJECT = ['analyze', 'lint', 'planApply', 'runStep', 'updateLock', 'squashLock', 'buildSquash', 'schemasAfter', 'parseMigration'];

test('the Studio page imports none of the whole-project calls: they run in its workers', () => {
  const source = readFileSync(new URL('../../www/studio.js', import.meta.url), 'utf8');
  const imports = [...source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'([^']+)'/g)];
  const fromCore = imports.filter(([, , from]) => from.includes('kimberlite-migration'));
  assert.ok(fromCore.length > 0, 'the page imports the core');
  const names = fromCore.flatMap(([, list]) => list.split(',').map((name) => name.trim().split(/\s+as\s+/)[0]).filter(Boolean));
  assert.deepEqual(names.filter((name) => WHOLE_PROJECT.includes(name)), []);
  assert.doesNotMatch(source, /import\(/, 'no dynamic import on the page');
});

test('a lemmy-sized project: Try apply runs off the page\'s thread, shows progress, and cancels', async (t) => {
  const project = largeProject();
  const { page, problems, context } = await open();
  // What the page hands its workers, and (reported, not asserted: a timing) its long tasks.
  await page.evaluate(() => {
    window.posted = [];
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (message, ...rest) {
      window.posted.push({ call: message?.name ?? message?.type, files: (message?.args?.[0] ?? message?.input)?.files?.length ?? null });
      return post.call(this, message, ...rest);
    };
    window.longTasks = [];
    new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
  });
  await page.setInputFiles('#folder', project);
  await page.waitForFunction(() => /of 342/.test(document.getElementById('status-page').textContent), null, { timeout: 60000 });
  // The project was checked by the core worker, all of it.
  assert.deepEqual((await page.evaluate(() => window.posted)).filter(({ call }) => call === 'analyze').map(({ files }) => files), [342]);
  t.diagnostic(`long tasks while loading (ms): ${(await page.evaluate(() => window.longTasks.splice(0))).map(Math.round).join(', ') || 'none'}`);
  // 50 rows a page, a filter, a search, and the summary that jumps to what it counts.
  assert.equal(await page.locator('#status tbody tr').count(), 50);
  assert.equal(await page.textContent('#status-page'), '1–50 of 342');
  await page.click('#status-next');
  assert.equal(await page.textContent('#status-page'), '51–100 of 342');
  assert.equal(await page.textContent('#status tbody tr:first-child td:first-child'), '0051');
  await page.fill('#status-search', '0300');
  assert.equal(await page.textContent('#status-page'), '1–1 of 1 (342 in all)');
  await page.fill('#status-search', '');
  await page.selectOption('#status-filter', 'problems');
  assert.equal(await page.textContent('#status-page'), 'No migration matches (342 in all).');
  await page.click('#summary button:has-text("pending")');
  assert.equal(await page.inputValue('#status-filter'), 'pending');
  assert.equal(await page.textContent('#status-page'), '1–50 of 342');
  // The findings, 100 a page.
  const findings = Number(/(\d+) findings/.exec(await page.textContent('#diag-count'))[1]);
  assert.ok(findings >= 341, `${findings} findings`);
  assert.equal(await page.locator('#diagnostics li').count(), 100);
  assert.equal(await page.textContent('#diag-page'), `1–100 of ${findings}`);
  await page.click('#diag-next');
  assert.equal(await page.textContent('#diag-page'), `101–200 of ${findings}`);
  await page.fill('#diag-search', 't_300_before');
  assert.equal(await page.locator('#diagnostics li').count(), 1);
  assert.equal(await page.isVisible('#diag-pager'), false);
  await page.fill('#diag-search', '');
  // The history shows the ends of a long group and folds the middle.
  assert.equal(await page.textContent('#timeline details summary'), '332 more');
  assert.equal(await page.locator('#timeline .event:visible').count(), 10);
  await page.screenshot({ path: join(SHOTS, '5-large-loaded.png'), fullPage: true });
  await page.click('#try-apply');
  await page.waitForFunction(() => Number(document.getElementById('apply-progress').value) >= 20, null, { timeout: 120000 });
  // Responsive meanwhile: the cancel button is there and the page answers.
  assert.equal(await page.isVisible('#cancel-apply'), true);
  assert.match(await page.textContent('#apply-status'), /Trying 342 migrations/);
  await page.waitForFunction(() => /342 of 342 migrations applied/.test(document.getElementById('apply-status').textContent), null, { timeout: 300000 });
  // The run was handed to the apply worker, the whole project with it.
  assert.deepEqual((await page.evaluate(() => window.posted)).filter(({ call }) => call === 'apply').map(({ files }) => files), [342]);
  t.diagnostic(`long tasks while applying (ms): ${(await page.evaluate(() => window.longTasks)).map(Math.round).join(', ') || 'none'}`);
  assert.equal(await page.locator('#apply-log .ok').count(), 342);
  await page.waitForSelector('#tables section[data-table="t_342"]');
  assert.equal(await page.isVisible('#cancel-apply'), false);
  await page.screenshot({ path: join(SHOTS, '6-large-applied.png') });

  // Again, cancelled part way: the run stops, nothing more is logged.
  await page.click('#try-apply');
  await page.waitForFunction(() => Number(document.getElementById('apply-progress').value) >= 5, null, { timeout: 120000 });
  await page.click('#cancel-apply');
  const status = await page.textContent('#apply-status');
  const [, done] = /Cancelled after (\d+) of 342 migrations/.exec(status) ?? [];
  assert.ok(Number(done) >= 5 && Number(done) < 342, status);
  const logged = await page.locator('#apply-log li').count();
  await page.waitForTimeout(1000);
  assert.equal(await page.locator('#apply-log li').count(), logged);
  assert.equal(await page.isEnabled('#try-apply'), true);
  await page.waitForFunction(() => document.activeElement?.id === 'try-apply');
  assert.deepEqual(problems, []);
  await context.close();

  // The same project on a 390 px phone: no sideways scroll, one page of rows.
  const narrow = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const phone = await narrow.newPage();
  await phone.goto(url);
  await phone.waitForSelector('body[data-ready="true"]');
  await phone.setInputFiles('#folder', project);
  await phone.waitForFunction(() => /of 342/.test(document.getElementById('status-page').textContent), null, { timeout: 60000 });
  const { scroll, client } = await phone.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(scroll <= client, `the page is ${scroll} px wide in a ${client} px window`);
  const height = await phone.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(height < 8000, `the page is ${height} px long`);
  await phone.screenshot({ path: join(SHOTS, '5-large-narrow.png'), fullPage: true });
  await narrow.close();
  rmSync(join(project, '..'), { recursive: true, force: true });
});

test('the schema after any migration, the difference between two, and that difference generated as migrations that rebuild it', async () => {
  const project = copyOf(EXAMPLE);
  const { page, problems, context } = await open();
  await page.setInputFiles('#folder', project);
  await page.waitForSelector('#schema-panel:not([hidden])');
  await page.selectOption('#schema-at', '2');
  await page.click('#show-schema');
  await page.waitForFunction(() => /tables? after migration 0002/.test(document.getElementById('schema-status').textContent), null, { timeout: 60000 });
  assert.deepEqual(await page.$$eval('#schema-view section h3', (hs) => hs.map((h) => h.textContent)), ['customers', 'products']);
  const customers = await page.textContent('#schema-view section[data-schema-table="customers"]');
  assert.match(customers, /id bigint NOT NULL/);
  assert.match(customers, /primary key customers_pkey: PRIMARY KEY \(id\)/);

  await page.selectOption('#schema-at', '3');
  await page.selectOption('#schema-from', '2');
  await page.click('#show-schema');
  await page.waitForFunction(() => /From migration 0002 to migration 0003/.test(document.getElementById('schema-status').textContent), null, { timeout: 60000 });
  const diff = await page.textContent('#schema-view .diff');
  assert.match(diff, /\+ table orders/);
  assert.match(diff, /\+ table order_lines/);
  assert.doesNotMatch(diff, /customers/);

  // The change written as the next migrations: downloaded, they rebuild migration 3's schema on top of 1 and 2.
  const downloads = [];
  page.on('download', (download) => downloads.push(download));
  await page.fill('#generate-name', 'orders again');
  await page.click('#generate');
  await page.waitForFunction(() => /Downloaded 0005_orders_again\.sql/.test(document.getElementById('generate-result').textContent));
  for (let wait = 0; downloads.length < 2 && wait < 50; wait++) await page.waitForTimeout(100);
  const names = downloads.map((d) => d.suggestedFilename());
  assert.deepEqual(names, ['0005_orders_again.sql', '0006_orders_again_validate.sql']);
  await page.screenshot({ path: join(SHOTS, '7-schema-diff.png'), fullPage: true });
  const { kmb, jsonOf } = await import('./cli.mjs');
  const again = join(project, '..', 'again');
  mkdirSync(join(again, 'migrations'), { recursive: true });
  for (const file of ['0001_create_customers.sql', '0002_create_products.sql']) cpSync(join(project, 'migrations', file), join(again, 'migrations', file));
  // In place of migrations 3 and 4: numbered 3 and 4.
  for (const download of downloads) await download.saveAs(join(again, 'migrations', download.suggestedFilename().replace(/^0005/, '0003').replace(/^0006/, '0004')));
  const applied = kmb(['apply', '--project', again]);
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  const rebuilt = jsonOf(kmb(['schema', '--json', '--project', again]));
  const wanted = jsonOf(kmb(['schema', '--json', '--at', '3', '--project', project]));
  assert.deepEqual(rebuilt.tables, wanted.tables);
  await finish({ problems, context, project });
});

test('history: a timeline of what was applied when and by whom, then what waits, and the migration a Try apply failed at', async () => {
  const project = copyOf(EXAMPLE);
  writeFileSync(join(project, 'migrations', '0005_broken.sql'), '-- Migration: Broken\nINSERT INTO nowhere VALUES (1);\n-- Down Migration\nSELECT 1;\n');
  const { kmb } = await import('./cli.mjs');
  const applied = kmb(['apply', '--to', '2', '--project', project], { env: { KMB_APPLIED_BY: 'alice@example.com' } });
  assert.equal(applied.code, 0, applied.stderr);
  const { page, problems, context } = await open();
  await page.setInputFiles('#folder', project);
  await page.waitForSelector('#history:not([hidden]) .event');
  const days = await page.$$eval('#timeline > .day h3', (hs) => hs.map((h) => h.textContent));
  assert.equal(days.length, 2);
  assert.match(days[0], /^\d{4}-\d\d-\d\d$/);
  assert.equal(days[1], 'Not applied');
  const first = await page.textContent('#timeline .event[data-id="1"]');
  assert.match(first, /^\d\d:\d\d:\d\d applied 0001 Create customers by alice@example\.com$/);
  assert.match(await page.textContent('#timeline .event[data-id="3"]'), /pending 0003 Create orders/);
  // Try apply stops at 0005: the timeline marks it failed.
  await page.click('#try-apply');
  await page.waitForSelector('#timeline .event.failed[data-id="5"]', { timeout: 60000 });
  assert.match(await page.textContent('#apply-status'), /Migration 0005 Broken failed after 4 of 5 applied/);
  await page.screenshot({ path: join(SHOTS, '8-history.png'), fullPage: true });
  await finish({ problems, context, project });
});

test('the updated lock is saved under its real name into the folder the user picks (File System Access API)', async () => {
  const project = copyOf(EXAMPLE);
  // The picker's folder, in memory: what the page writes where is recorded.
  const { page, problems, context } = await open({ init: () => {
    const folder = (name, children = {}) => ({
      kind: 'directory', name, children,
      async getDirectoryHandle(child, { create = false } = {}) {
        if (!this.children[child]) {
          if (!create) throw new DOMException(`${child} not found`, 'NotFoundError');
          this.children[child] = folder(child);
        }
        return this.children[child];
      },
      async getFileHandle(child, { create = false } = {}) {
        if (!this.children[child]) {
          if (!create) throw new DOMException(`${child} not found`, 'NotFoundError');
          this.children[child] = { kind: 'file', name: child, text: '' };
        }
        const file = this.children[child];
        return { async createWritable() { let text = ''; return { async write(data) { text += data; }, async close() { file.text = text; } }; } };
      },
    });
    window.pickedFolder = folder('shop', { migrations: folder('migrations') });
    window.showDirectoryPicker = async () => window.pickedFolder;
  } });
  await page.setInputFiles('#folder', project);
  await page.waitForSelector('#status tbody tr');
  await page.click('#save-lock');
  await page.waitForFunction(() => /Saved the updated lock/.test(document.getElementById('lock-result').textContent));
  assert.match(await page.textContent('#lock-result'), /shop\/\.kimberlite\/migrations\/\.lock/);
  const saved = await page.evaluate(() => window.pickedFolder.children['.kimberlite'].children.migrations.children['.lock'].text);
  assert.match(saved, /\[\[migration\]\]\nid = 4\n/);
  // A folder that is not the project: nothing written, and why.
  await page.evaluate(() => { window.pickedFolder = { kind: 'directory', name: 'Downloads', children: {}, getDirectoryHandle: async () => { throw new DOMException('no', 'NotFoundError'); } }; });
  await page.click('#save-lock');
  await page.waitForFunction(() => /not saved/.test(document.getElementById('lock-result').textContent));
  assert.match(await page.textContent('#lock-result'), /Downloads has no migrations folder/);
  await finish({ problems, context, project });
});

test('a finding with no place in the text (invalid UTF-8) marks nothing and says it is about the whole file', async () => {
  const project = copyOf(EXAMPLE);
  writeFileSync(join(project, 'migrations', '0005_latin1.sql'), Buffer.concat([Buffer.from('-- Migration: Latin-1\nSELECT \'caf'), Buffer.from([0xe9]), Buffer.from('\';\n')]));
  const { page, problems, context } = await open();
  await page.setInputFiles('#folder', project);
  const finding = page.locator('#diagnostics button', { hasText: 'invalid-utf8' });
  await finding.click();
  assert.equal(await page.textContent('#viewer-at'), 'the whole file');
  assert.equal(await page.locator('#source mark').count(), 0);
  assert.match(await page.textContent('#source'), /Migration: Latin-1/);
  await finish({ problems, context, project });
});

test('squash: one migration for 1..N built and checked in the browser, downloaded with its lock; the page\'s commands put it in the project, which then validates and builds the same schema', async () => {
  const project = copyOf(EXAMPLE);
  writeFileSync(join(project, 'migrations', '0005_keep_customers.sql'), '-- Migration: Keep customers\nCREATE RULE customers_kept AS ON DELETE TO customers DO INSTEAD NOTHING;\n-- Down Migration\nDROP RULE customers_kept ON customers;\n');
  const { kmb, jsonOf } = await import('./cli.mjs');
  // 0004 makes functions: the squash carries them.
  const before = jsonOf(kmb(['schema', '--json', '--at', '4', '--project', project]));
  assert.equal(before.functions.length, 2);
  const { page, problems, context } = await open();
  await page.setInputFiles('#folder', project);
  await page.waitForSelector('#squash-form:not([hidden])');
  assert.deepEqual(await page.$$eval('#squash-to option', (options) => options.map((o) => o.value)), ['5', '4', '3', '2']);
  // 0005 makes a rule: refused, the rule named, nothing downloaded.
  const downloads = [];
  page.on('download', (download) => downloads.push(download));
  await page.selectOption('#squash-to', '5');
  await page.click('#squash');
  await page.waitForFunction(() => /cannot carry/.test(document.getElementById('squash-result').textContent), null, { timeout: 60000 });
  assert.match(await page.textContent('#squash-result'), /rule customers_kept on customers: rules are not carried/);
  assert.equal(downloads.length, 0);

  await page.selectOption('#squash-to', '4');
  await page.click('#squash');
  await page.waitForFunction(() => /Downloaded 0004_squash\.sql/.test(document.getElementById('squash-result').textContent), null, { timeout: 60000 });
  await page.waitForFunction(() => !document.getElementById('squash').disabled);
  assert.match(await page.textContent('#squash-result'), /one migration for 4 migrations, 1 to 0004\. Checked in two in-browser databases: the squash makes the same schema, and its Down leaves what theirs leave/);
  for (let wait = 0; downloads.length < 2 && wait < 50; wait++) await page.waitForTimeout(100);
  assert.deepEqual(downloads.map((d) => d.suggestedFilename()), ['0004_squash.sql', 'kimberlite-migrations.lock']);
  const inbox = join(project, '..', 'Downloads');
  mkdirSync(inbox);
  for (const download of downloads) await download.saveAs(join(inbox, download.suggestedFilename()));
  await page.screenshot({ path: join(SHOTS, '9-squash.png'), fullPage: true });

  // The page's commands, run as written (with this test's download folder).
  const commands = (await page.textContent('#squash-result pre.commands')).replaceAll('~/Downloads/', `${inbox}/`);
  const { spawnSync } = await import('node:child_process');
  const moved = spawnSync('bash', ['-euc', commands], { cwd: project, encoding: 'utf8' });
  assert.equal(moved.status, 0, moved.stderr);
  const { readdirSync } = await import('node:fs');
  assert.deepEqual(readdirSync(join(project, 'migrations')).sort(), ['0004_squash.sql', '0005_keep_customers.sql']);
  assert.equal(readdirSync(join(project, '.kimberlite', 'migrations', 'squashed')).length, 4);
  // The project validates with the downloaded lock, and a new database built from the squash has the schema 1..4 built.
  // (0005 is not in the lock: a warning, not an error.)
  const validated = jsonOf(kmb(['validate', '--json', '--project', project]));
  assert.deepEqual(validated.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.deepEqual(jsonOf(kmb(['schema', '--json', '--at', '4', '--project', project])), before);
  await finish({ problems, context, project });
});
