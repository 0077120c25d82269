// The Studio on a real project's folder (default: target/imported/lemmy,
// 342 migrations): long tasks on the page while it loads and while Try
// apply runs, and how far the apply gets; with --squash N, the Studio's
// squash of 1..N too (how long, its long tasks, what it says). Prints one
// line per phase.
//   node scripts/studio-real.mjs [project folder] [--squash N]
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './studio.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const squashAt = args.indexOf('--squash');
const squashTo = squashAt >= 0 ? args.splice(squashAt, 2)[1] : null;
const project = args[0] ?? join(root, 'target', 'imported', 'lemmy');
const server = await serve(0);
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
try {
  const page = await (await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
  });
  let started = performance.now();
  await page.setInputFiles('#folder', project);
  await page.waitForFunction(() => /\d+–\d+ of \d+|No migration/.test(document.getElementById('status-page').textContent), null, { timeout: 120000 });
  const loaded = performance.now() - started;
  const loading = await page.evaluate(() => window.longTasks.splice(0));
  console.log(`load: ${Math.round(loaded)} ms, ${await page.textContent('#status-page')}, ${await page.textContent('#diag-count')}; long tasks: ${loading.length} (longest ${Math.round(Math.max(0, ...loading))} ms)`);
  started = performance.now();
  await page.click('#try-apply');
  await page.waitForFunction(() => document.getElementById('try-apply').disabled === false && document.getElementById('apply-status').textContent !== '', null, { timeout: 600000 });
  const applying = await page.evaluate(() => window.longTasks.splice(0));
  const status = (await page.textContent('#apply-status')).split('\n')[0].slice(0, 160);
  console.log(`try apply: ${Math.round(performance.now() - started)} ms, "${status}"; long tasks: ${applying.length} (longest ${Math.round(Math.max(0, ...applying))} ms)`);
  if (squashTo !== null) {
    const downloads = [];
    page.on('download', (download) => downloads.push(download.suggestedFilename()));
    started = performance.now();
    await page.selectOption('#squash-to', squashTo);
    await page.click('#squash');
    await page.waitForFunction(() => document.getElementById('squash').disabled === false && !/^Building/.test(document.getElementById('squash-result').textContent), null, { timeout: 900000 });
    const squashing = await page.evaluate(() => window.longTasks.splice(0));
    const said = (await page.textContent('#squash-result')).replace(/\s+/g, ' ').slice(0, 240);
    console.log(`squash to ${squashTo}: ${Math.round(performance.now() - started)} ms, downloads [${downloads.join(', ')}], "${said}"; long tasks: ${squashing.length} (longest ${Math.round(Math.max(0, ...squashing))} ms)`);
  }
} finally {
  await browser.close();
  server.close();
}
