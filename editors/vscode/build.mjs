// Bundles the extension for packaging: the client (src/extension.js with
// vscode-languageclient) as dist/extension.js, and the language server
// (packages/lsp with the core) as dist/server.mjs beside the core's .wasm.
// No node_modules ship in the .vsix, and no database: PGlite is the CLI's.
//   node editors/vscode/build.mjs      (after `bash scripts/build`)
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const dist = join(here, 'dist');
const wasm = join(root, 'packages', 'core', 'kimberlite_migration_bg.wasm');
if (!existsSync(wasm)) {
  console.error('packages/core/kimberlite_migration_bg.wasm is missing: run `bash scripts/build` first.');
  process.exit(1);
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const common = { bundle: true, platform: 'node', target: 'node20', minify: true, legalComments: 'none', metafile: true, logLevel: 'warning' };

const client = await build({
  ...common,
  entryPoints: [join(here, 'src', 'extension.js')],
  outfile: join(dist, 'extension.js'),
  format: 'cjs',
  external: ['vscode'],
});

const server = await build({
  ...common,
  entryPoints: [join(root, 'packages', 'lsp', 'lsp.js')],
  outfile: join(dist, 'server.mjs'),
  format: 'esm',
  // The LSP libraries are CommonJS and require Node's modules.
  banner: { js: "import { createRequire as __kmbRequire } from 'node:module'; const require = __kmbRequire(import.meta.url);" },
});
// The core and the lint module (squawk's parser and rules, loaded when lint first runs).
copyFileSync(wasm, join(dist, 'kimberlite_migration_bg.wasm'));
copyFileSync(join(root, 'packages', 'core', 'kimberlite_migration_lint_bg.wasm'), join(dist, 'kimberlite_migration_lint_bg.wasm'));

// The licences of the npm packages inside the bundles (their notices must
// travel with them; the comments that carry them are stripped by minifying).
const packages = new Map();
for (const input of [...Object.keys(client.metafile.inputs), ...Object.keys(server.metafile.inputs)]) {
  const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
  if (match) packages.set(match[2], join(process.cwd(), match[1]));
}
const notices = [...packages].sort(([a], [b]) => a.localeCompare(b)).map(([name, dir]) => {
  const { version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((f) => /^(licen[sc]e|copying)/i.test(f));
  return `${name} ${version} (${license})\n\n${file ? readFileSync(join(dir, file), 'utf8').trim() : `License: ${license}`}\n`;
});
writeFileSync(join(dist, 'THIRD-PARTY-NOTICES.txt'), `Packages bundled in dist/extension.js and dist/server.mjs:\n\n${notices.join('\n---\n\n')}`);
copyFileSync(join(root, 'LICENSE'), join(here, 'LICENSE'));

for (const file of ['extension.js', 'server.mjs', 'kimberlite_migration_bg.wasm', 'kimberlite_migration_lint_bg.wasm', 'THIRD-PARTY-NOTICES.txt']) {
  console.log(`dist/${file}  ${(statSync(join(dist, file)).size / 1024).toFixed(0)} KB`);
}
