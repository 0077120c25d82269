// Serves the Studio (www/) on 127.0.0.1 with the core package (packages/core) and
// PGlite next to it. No backend: everything runs in the browser.
//   node scripts/studio.mjs [--port N]
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const MOUNTS = [
  ['/vendor/kimberlite-migration/', join(root, 'packages', 'core')],
  ['/vendor/pglite/', join(root, 'node_modules', '@electric-sql', 'pglite', 'dist')],
  ['/', join(root, 'www')],
];
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.data': 'application/octet-stream',
  '.tar.gz': 'application/gzip',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
// Only what the page needs: its own scripts and styles, WebAssembly, blobs for downloads.
const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

async function resolveFile(pathname) {
  for (const [prefix, dir] of MOUNTS) {
    if (!pathname.startsWith(prefix)) continue;
    let file = normalize(join(dir, decodeURIComponent(pathname.slice(prefix.length))));
    if (!file.startsWith(dir + sep) && file !== dir) return null;
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      await stat(file);
      return file;
    } catch {
      return null;
    }
  }
  return null;
}

export function serve(port = 0) {
  const server = createServer(async (request, response) => {
    const { pathname } = new URL(request.url, 'http://127.0.0.1');
    const file = await resolveFile(pathname);
    if (!file) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const type = file.endsWith('.tar.gz') ? TYPES['.tar.gz'] : (TYPES[extname(file)] ?? 'application/octet-stream');
    response.writeHead(200, {
      'content-type': type,
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    response.end(await readFile(file));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--port');
  const port = at > 0 ? Number(process.argv[at + 1]) : 5178;
  try {
    await stat(join(root, 'packages', 'core', 'kimberlite_migration_bg.wasm'));
  } catch {
    console.error('packages/core/kimberlite_migration_bg.wasm is missing: run `npm run build` first (npm run studio does).');
    process.exit(1);
  }
  const server = await serve(port);
  console.log(`kimberlite-migration Studio: http://127.0.0.1:${server.address().port}/`);
}
