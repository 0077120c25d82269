// The Studio on a real project's folder (default: target/imported/lemmy,
// 342 migrations): long tasks on the page while it loads and while Try
// apply runs, and how far the apply gets. Prints one line per phase.
//   node scripts/studio-real.mjs [project folder]
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './studio.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const project = process.argv[2] ?? join(root, 'target', 'imported', 'lemmy');
const server = await serve(0);
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
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
} finally {
  await browser.close();
  server.close();
}
