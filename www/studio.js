// The Studio: validates, creates and tries migrations entirely in the browser,
// on the package's browser entry. Everything from files is rendered as text.
import { ready, createMigration, migrationTemplates, readConfig, missingExtension, layoutOfPaths, projectFileIn, PROJECT_FILE, NO_CONFIG, diffSchemas, diffLines, generatedMigrations, columnSql, constraintText, indexText, PGLITE_EXTENSIONS } from './vendor/kimberlite-migration/browser.js';

const $ = (id) => document.getElementById(id);
const el = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === 'class') node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
};
const decoder = new TextDecoder();

/**
 * Text whose `backticked` parts are code, as the core writes its messages
 * and help: text nodes and <code> elements (never parsed as HTML).
 */
const prose = (text) => String(text ?? '').split('`').map((part, index) => (index % 2 === 1 ? el('code', {}, part) : part)).filter((part) => part !== '');

/** The loaded project: migration files (path -> bytes), lock and tracker text. */
let project = null;
let lastReport = null;

// The page itself lints nothing (core-worker.js does): the core alone.
await ready({ lint: false });

// ---- reading a folder or dropped files ----

async function entriesOf(entry, prefix = '') {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    return [{ path: prefix + entry.name, file }];
  }
  const reader = entry.createReader();
  const children = [];
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  const nested = await Promise.all(children.map((child) => entriesOf(child, `${prefix}${entry.name}/`)));
  return nested.flat();
}

const segments = (path) => path.split('/').filter(Boolean);

/** Finds the migrations folder, the lock and the tracker among any layout (the core's layoutOfPaths). */
async function loadProject(items) {
  const byPath = new Map(items.map((item) => [item.path, item]));
  const paths = items.map((item) => item.path);
  // A kimberlite.toml at the top of what was opened says where the
  // migrations are and which rule levels apply, as for the CLI.
  const configPath = projectFileIn(paths);
  const config = configPath ? readConfig(PROJECT_FILE, await byPath.get(configPath).file.text()) : NO_CONFIG;
  const layout = layoutOfPaths(paths, config.directory);
  const root = layout.root;
  const chosen = layout.migrations.map((path) => byPath.get(path));
  const lockItem = layout.lock && byPath.get(layout.lock);
  const trackerItem = layout.tracker && byPath.get(layout.tracker);
  const files = await Promise.all(chosen.map(async (item) => ({
    path: `migrations/${segments(item.path).at(-1)}`,
    contents: new Uint8Array(await item.file.arrayBuffer()),
  })));
  files.sort((a, b) => (a.path < b.path ? -1 : 1));
  project = {
    name: root || (files.length ? 'dropped files' : 'empty'),
    files,
    lock: lockItem ? await lockItem.file.text() : null,
    tracker: trackerItem ? await trackerItem.file.text() : null,
    // `target`: a Kimberlite project is told that Kimberlite's own check needs the native helper (`kimberlite-not-checked`).
    options: { rules: config.rules, ...(config.pgVersion ? { pgVersion: config.pgVersion } : {}), ...(config.target ? { target: config.target } : {}) },
    configDiagnostics: config.diagnostics,
  };
  // A new project starts clean: nothing of the last one's runs stays on the page.
  stopApplying();
  lastFailure = null;
  endJobs();
  for (const id of ['apply-log', 'apply-status', 'tables', 'lock-result', 'create-result', 'schema-view', 'schema-status', 'squash-result', 'generate-result']) $(id).replaceChildren();
  shownDiff = null;
  $('generate-form').hidden = true;
  for (const id of ['status-filter', 'status-search', 'diag-severity', 'diag-search']) $(id).value = '';
  render().catch((error) => {
    $('project-name').textContent = `Could not check ${project.name}: ${error.message}`;
  });
}

$('folder').addEventListener('change', (event) => {
  loadProject([...event.target.files].map((file) => ({ path: file.webkitRelativePath || file.name, file })));
});
$('files').addEventListener('change', (event) => {
  loadProject([...event.target.files].map((file) => ({ path: file.name, file })));
});
const drop = $('drop');
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', async (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  const entries = [...event.dataTransfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  const items = entries.length
    ? (await Promise.all(entries.map((entry) => entriesOf(entry)))).flat()
    : [...event.dataTransfer.files].map((file) => ({ path: file.name, file }));
  loadProject(items);
});
for (const button of document.querySelectorAll('[data-opens]')) {
  button.addEventListener('click', () => $(button.dataset.opens).click());
}

// ---- rendering the report ----

const input = (extra = {}) => ({ files: project.files, lock: project.lock, tracker: project.tracker, options: project.options, ...extra });

/**
 * The core's whole-project calls run in a worker (core-worker.js): on a
 * large project they take long enough to freeze the page.
 */
const coreWorker = new Worker(new URL('./core-worker.js', import.meta.url), { type: 'module' });
const calls = new Map();
let nextCall = 0;
coreWorker.onmessage = ({ data }) => {
  const call = calls.get(data.id);
  calls.delete(data.id);
  if (data.error) call?.reject(Object.assign(new Error(data.error.message), { code: data.error.code }));
  else call?.resolve(data.result);
};
const inWorker = (name, ...args) => new Promise((resolve, reject) => {
  const id = nextCall++;
  calls.set(id, { resolve, reject });
  coreWorker.postMessage({ id, name, args });
});

/** Counts renders, so that a slow one for an older project is dropped. */
let renders = 0;

async function render() {
  const generation = ++renders;
  $('project-name').textContent = `${project.name}: checking ${project.files.length} migration file${project.files.length === 1 ? '' : 's'}…`;
  const report = await inWorker('analyze', input({ statements: false }));
  if (generation !== renders) return;
  lastReport = report;
  // What is wrong in kimberlite.toml is shown with the rest.
  if (project.configDiagnostics?.length) lastReport = { ...lastReport, diagnostics: [...project.configDiagnostics, ...lastReport.diagnostics] };
  for (const id of ['overview', 'problems', 'actions']) $(id).hidden = false;
  $('project-name').textContent = `${project.name}: ${project.files.length} migration file${project.files.length === 1 ? '' : 's'}, ${project.lock === null ? 'no lock' : 'lock'}, ${project.tracker === null ? 'no applied.toml' : 'applied.toml'}.`;

  const s = lastReport.summary;
  const problems = s.modified + s.missing + s.outOfOrder;
  // The summary jumps to what it counts: the table filtered, or the findings.
  const jump = (label, count, onClick, problem = false) => {
    const button = el('button', { type: 'button', class: `count${problem && count ? ' error-text' : ''}` }, el('strong', {}, count), label);
    button.addEventListener('click', onClick);
    return button;
  };
  const showStatus = (filter) => () => {
    $('status-filter').value = filter;
    view.page = 0;
    renderStatus();
    $('overview').scrollIntoView({ block: 'start' });
  };
  const showFindings = (severity) => () => {
    $('diag-severity').value = severity;
    view.diagPage = 0;
    renderDiagnostics();
    $('problems').scrollIntoView({ block: 'start' });
  };
  $('summary').replaceChildren(
    jump('applied', s.applied, showStatus('applied')),
    jump('pending', s.pending, showStatus('pending')),
    jump('with problems', problems, showStatus('problems'), true),
    jump(`error${s.errors === 1 ? '' : 's'}`, s.errors, showFindings('error'), true),
    jump(`warning${s.warnings === 1 ? '' : 's'}`, s.warnings, showFindings('warning')),
  );
  view.page = 0;
  view.diagPage = 0;
  renderStatus();
  renderDiagnostics();
  renderHistory();
  // Schema: any migration with a file.
  const ids = lastReport.migrations.filter((m) => m.status !== 'missing');
  const options = (list) => list.map((m) => el('option', { value: String(m.id) }, `${idText(m.id)} ${m.name}`));
  $('schema-at').replaceChildren(...options([...ids].reverse()));
  $('schema-from').replaceChildren(el('option', { value: '' }, 'nothing (the whole schema)'), ...options(ids));
  $('schema-panel').hidden = ids.length === 0;
  // Squash: up to any migration after the first (a squash replaces two or more).
  $('squash-to').replaceChildren(...options(ids.slice(1).reverse()));
  $('squash-form').hidden = ids.length < 2;
  $('viewer').hidden = true;
}

/** What the status table and the findings show: their pages (50 rows, 100 findings a page). */
const view = { page: 0, diagPage: 0 };
const PAGE_ROWS = 50;
const PROBLEMS = new Set(['modified', 'missing', 'out-of-order']);

/** A migration id as the files write it: `0007`. */
const idText = (id) => String(id).padStart(4, '0');

function renderStatus() {
  const filter = $('status-filter').value;
  const search = $('status-search').value.trim().toLowerCase();
  const rows = lastReport.migrations.filter((m) =>
    (filter === '' || (filter === 'problems' ? PROBLEMS.has(m.status) : m.status === filter))
    && (search === '' || idText(m.id).includes(search) || m.name.toLowerCase().includes(search)));
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_ROWS));
  view.page = Math.min(view.page, pages - 1);
  const first = view.page * PAGE_ROWS;
  const shown = rows.slice(first, first + PAGE_ROWS);
  $('status').tBodies[0].replaceChildren(...shown.map((m) => el('tr', {},
    el('td', { class: 'mono' }, idText(m.id)),
    el('td', {}, m.name),
    el('td', {}, el('span', { class: `badge ${m.status}` }, m.status)),
    el('td', { class: 'mono' }, (m.checksum ?? '').slice(0, 8)),
    el('td', { class: 'mono' }, m.appliedAt ?? '–'),
  )));
  const total = lastReport.migrations.length;
  $('status-page').textContent = rows.length === 0
    ? `No migration matches (${total} in all).`
    : `${first + 1}–${first + shown.length} of ${rows.length}${rows.length < total ? ` (${total} in all)` : ''}`;
  $('status-prev').disabled = view.page === 0;
  $('status-next').disabled = view.page >= pages - 1;
}

/** Findings a page shows: a real project's thousand findings drawn at once is a long task. */
const DIAG_ROWS = 100;

function renderDiagnostics() {
  const order = { error: 0, warning: 1, info: 2, hint: 3 };
  const severity = $('diag-severity').value;
  const search = $('diag-search').value.trim().toLowerCase();
  const all = [...lastReport.diagnostics].sort((a, b) => order[a.severity] - order[b.severity]);
  const matching = all.filter((d) => (severity === '' || d.severity === severity)
    && (search === '' || `${d.code} ${d.file} ${d.message}`.toLowerCase().includes(search)));
  $('diag-count').textContent = matching.length === all.length ? `${all.length} finding${all.length === 1 ? '' : 's'}` : `${matching.length} of ${all.length} findings`;
  const pages = Math.max(1, Math.ceil(matching.length / DIAG_ROWS));
  view.diagPage = Math.min(view.diagPage ?? 0, pages - 1);
  const first = view.diagPage * DIAG_ROWS;
  const diagnostics = matching.slice(first, first + DIAG_ROWS);
  $('diag-pager').hidden = pages === 1;
  $('diag-page').textContent = `${first + 1}–${first + diagnostics.length} of ${matching.length}`;
  $('diag-prev').disabled = view.diagPage === 0;
  $('diag-next').disabled = view.diagPage >= pages - 1;
  $('diagnostics').replaceChildren(...(diagnostics.length ? diagnostics.map((d, index) => {
    const at = d.range ? `:${d.range.start.line + 1}:${d.range.start.character + 1}` : '';
    const button = el('button', { type: 'button', 'aria-pressed': 'false', 'data-index': String(index) },
      el('span', { class: `sev ${d.severity}` }, d.severity), `[${d.code}] `, ...prose(d.message),
      el('span', { class: 'where' }, `${d.file}${at}`));
    button.addEventListener('click', () => {
      for (const other of $('diagnostics').querySelectorAll('button')) other.setAttribute('aria-pressed', 'false');
      button.setAttribute('aria-pressed', 'true');
      show(d);
    });
    return el('li', {}, button);
  }) : [el('li', { class: 'muted' }, all.length ? 'No finding matches.' : 'No findings.')]));
}

$('status-filter').addEventListener('change', () => { view.page = 0; renderStatus(); });
$('status-search').addEventListener('input', () => { view.page = 0; renderStatus(); });
$('status-prev').addEventListener('click', () => { view.page -= 1; renderStatus(); });
$('status-next').addEventListener('click', () => { view.page += 1; renderStatus(); });
const diagnosticsFrom = (page) => () => {
  view.diagPage = page();
  renderDiagnostics();
};
$('diag-severity').addEventListener('change', diagnosticsFrom(() => 0));
$('diag-search').addEventListener('input', diagnosticsFrom(() => 0));
$('diag-prev').addEventListener('click', diagnosticsFrom(() => view.diagPage - 1));
$('diag-next').addEventListener('click', diagnosticsFrom(() => view.diagPage + 1));

/** The text of the file a diagnostic is about, if the page has it. */
function textOf(file) {
  const migration = project.files.find((f) => f.path === file);
  if (migration) return decoder.decode(migration.contents);
  if (file.endsWith('.lock')) return project.lock;
  if (file.endsWith('applied.toml')) return project.tracker;
  return null;
}

/** A UTF-16 offset for an LSP position (lines end at \r\n, \r or \n). */
function offsetOf(text, { line, character }) {
  let offset = 0;
  for (let current = 0; current < line && offset < text.length; current++) {
    const next = text.slice(offset).search(/\r\n|\r|\n/);
    if (next < 0) return text.length;
    offset += next + (text.startsWith('\r\n', offset + next) ? 2 : 1);
  }
  return Math.min(offset + character, text.length);
}

function show(diagnostic) {
  const text = textOf(diagnostic.file);
  $('viewer').hidden = false;
  $('viewer-file').textContent = diagnostic.file;
  $('viewer-at').textContent = diagnostic.range ? `line ${diagnostic.range.start.line + 1}, column ${diagnostic.range.start.character + 1}` : '';
  $('viewer-help').replaceChildren(...prose(diagnostic.help));
  const source = $('source');
  if (text === null) {
    source.replaceChildren('(this file is not in the loaded project)');
    return;
  }
  if (!diagnostic.range) {
    // No place in the text (an invalid byte, a file-level finding): nothing
    // is marked, and the viewer says so instead of pointing at line 1.
    $('viewer-at').textContent = 'the whole file';
    source.replaceChildren(text);
    source.scrollTop = 0;
    return;
  }
  const start = offsetOf(text, diagnostic.range.start);
  let end = offsetOf(text, diagnostic.range.end);
  if (end <= start) {
    // An empty range (a finding at a point): mark the rest of its line.
    const lineEnd = text.slice(start).search(/\r|\n/);
    end = lineEnd < 0 ? text.length : start + lineEnd;
  }
  const mark = el('mark', {}, text.slice(start, end));
  source.replaceChildren(text.slice(0, start), mark, text.slice(end));
  mark.scrollIntoView({ block: 'center' });
}

// ---- actions ----

/** The name the updated lock downloads under (a browser rewrites `.lock`). */
const LOCK_DOWNLOAD = 'kimberlite-migrations.lock';

function download(name, text) {
  // Not text/plain: Chromium would add `.txt` to a name it does not know.
  const url = URL.createObjectURL(new Blob([text], { type: 'application/octet-stream' }));
  const link = el('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function listDiagnostics(diagnostics) {
  return el('ul', {}, ...diagnostics.map((d) => el('li', {}, el('span', { class: `sev ${d.severity}` }, d.severity), `[${d.code}] `, ...prose(d.message), d.help ? el('span', { class: 'where' }, ...prose(d.help)) : '')));
}

// Templates: SQL for a common change that passes the lint rules as created.
$('new-template').replaceChildren(...migrationTemplates().map((t) => el('option', { value: t.name, title: t.description }, t.name === 'blank' ? 'blank (TODO comments)' : `${t.name} template`)));

$('create').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = $('new-name').value;
  const created = createMigration({
    existing: project.files.map((f) => f.path.split('/').at(-1)),
    name,
    created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    template: $('new-template').value || 'blank',
    // A Kimberlite project's templates are written in Kimberlite's SQL.
    ...(project.options.target ? { target: project.options.target } : {}),
  });
  if (!created.ok) {
    $('create-result').replaceChildren(el('span', { class: 'error-text' }, ...prose(created.diagnostics[0].message)), ' ', ...prose(created.diagnostics[0].help));
    return;
  }
  download(created.fileName, created.text);
  $('create-result').textContent = `Created ${created.fileName} (downloaded). Add your SQL, put it in migrations/, and open the folder again.`;
});

/** The updated lock's text, or null with the reasons shown. */
async function updatedLock() {
  const result = await inWorker('updateLock', input());
  if (result.ok) return result.text;
  $('lock-result').replaceChildren(el('p', { class: 'error-text' }, 'The lock was not updated:'), listDiagnostics(result.diagnostics));
  return null;
}

$('update-lock').addEventListener('click', async () => {
  const text = await updatedLock();
  if (text === null) return;
  // Browsers drop a leading dot from a download's name: it gets a name of
  // its own, and the page says exactly where it goes.
  download(LOCK_DOWNLOAD, text);
  $('lock-result').replaceChildren(el('p', {}, `Downloaded the updated lock as ${LOCK_DOWNLOAD}. Save it as .kimberlite/migrations/.lock in the project: `, el('code', {}, `mv ${LOCK_DOWNLOAD} .kimberlite/migrations/.lock`)));
});

// Where the browser can write to a folder the user picks (File System
// Access API: Chromium), the lock is saved under its real name, in place.
if (typeof window.showDirectoryPicker === 'function') $('save-lock').hidden = false;

$('save-lock').addEventListener('click', async () => {
  const text = await updatedLock();
  if (text === null) return;
  let folder;
  try {
    folder = await window.showDirectoryPicker({ id: 'kimberlite-project', mode: 'readwrite' });
  } catch (error) {
    // Closing the picker is no error: nothing was written.
    if (error?.name === 'AbortError') return;
    throw error;
  }
  try {
    // The folder picked must be this project: its migrations folder is there.
    await folder.getDirectoryHandle('migrations').catch(() => {
      throw new Error(`${folder.name} has no migrations folder: pick the project folder (the one that holds migrations/ and .kimberlite/).`);
    });
    const state = await (await folder.getDirectoryHandle('.kimberlite', { create: true })).getDirectoryHandle('migrations', { create: true });
    const writable = await (await state.getFileHandle('.lock', { create: true })).createWritable();
    await writable.write(text);
    await writable.close();
    $('lock-result').replaceChildren(el('p', {}, 'Saved the updated lock as ', el('code', {}, `${folder.name}/.kimberlite/migrations/.lock`), '.'));
  } catch (error) {
    $('lock-result').replaceChildren(el('p', { class: 'error-text' }, `The lock was not saved: ${error.message}`), el('p', {}, 'Use "Download updated lock" instead.'));
  }
});

/** The run of "Try apply" going on now: its worker, or null. */
let applying = null;

function stopApplying() {
  applying?.worker.terminate();
  applying = null;
  $('try-apply').disabled = false;
  $('cancel-apply').hidden = true;
  $('apply-progress').hidden = true;
}

$('try-apply').addEventListener('click', () => {
  if (applying) return;
  const button = $('try-apply');
  button.disabled = true;
  $('cancel-apply').hidden = false;
  const log = $('apply-log');
  const status = $('apply-status');
  const progress = $('apply-progress');
  log.replaceChildren();
  $('tables').replaceChildren();
  progress.value = 0;
  status.replaceChildren('Planning and starting an in-browser PostgreSQL (PGlite)…');
  const applied = new Set((lastReport?.migrations ?? []).filter((m) => m.status === 'applied').map((m) => m.id));
  // The database and the core run in a worker: the page stays responsive.
  const worker = new Worker(new URL('./apply-worker.js', import.meta.url), { type: 'module' });
  const run = { worker, steps: [], items: [], done: 0, failed: null };
  applying = run;
  const finish = (summary) => {
    if (applying !== run) return;
    status.replaceChildren(...summary);
    stopApplying();
    // The disabled button lost focus: give it back, so the keyboard stays put.
    button.focus();
  };
  worker.onerror = (event) => finish([el('span', { class: 'failed' }, `Could not run: ${event.message ?? 'the worker failed'}`)]);
  worker.onmessage = ({ data }) => {
    if (applying !== run) return;
    switch (data.type) {
      case 'plan':
        if (!data.ok) {
          log.replaceChildren(el('li', { class: 'failed' }, 'Refused until these are fixed:'), listDiagnostics(data.diagnostics));
          break;
        }
        run.steps = data.steps;
        progress.max = Math.max(data.steps.length, 1);
        progress.value = 0;
        progress.hidden = false;
        status.replaceChildren(`Trying ${data.steps.length} migration${data.steps.length === 1 ? '' : 's'}…`);
        break;
      case 'step': {
        const step = run.steps[data.index];
        if (data.phase === 'start') {
          const item = el('li', {}, `${idText(step.id)} ${step.name} `);
          run.items[data.index] = item;
          log.append(item);
          break;
        }
        const item = run.items[data.index];
        if (data.phase === 'done') {
          run.done += 1;
          progress.value = run.done;
          item.append(el('span', { class: 'ok' }, `✓ ${applied.has(step.id) ? 'replayed' : 'applied'}`), el('span', { class: 'muted' }, ` (${data.ms} ms)`));
          break;
        }
        const at = data.statement ? `${step.path}:${data.statement.range.start.line + 1}:${data.statement.range.start.character + 1}` : step.path;
        const missing = missingExtension(data.message);
        const limit = missing
          ? `\n\nThe in-browser database (PGlite) does not ship the extension ${missing}; apply this project on a PostgreSQL server that has it (kmb migration apply --database postgres://...). PGlite ships ${PGLITE_EXTENSIONS.join(', ')}.`
          : '';
        const detail = `${at}\n${data.message}${limit}${data.statement ? `\n\n${data.statement.text}` : ''}`;
        item.append(el('span', { class: 'failed' }, '✗ failed'), el('pre', {}, detail));
        run.failed = { step, detail };
        break;
      }
      case 'tables':
        showTables(data.rows);
        break;
      case 'error':
        log.append(el('li', { class: 'failed' }, `Could not run: ${data.message}`));
        break;
      case 'end':
        lastFailure = run.failed ? run.failed.step : null;
        if (lastReport) renderHistory();
        // A failure is summed up first, above the log, with its error.
        finish(run.failed
          ? [el('strong', { class: 'error-text' }, `Migration ${idText(run.failed.step.id)} ${run.failed.step.name} failed after ${run.done} of ${run.steps.length} applied:`), el('pre', {}, run.failed.detail)]
          : [run.steps.length ? `${run.done} of ${run.steps.length} migrations applied.` : 'Nothing was applied.']);
        break;
      default:
    }
  };
  worker.postMessage({ type: 'apply', input: input() });
});

$('cancel-apply').addEventListener('click', () => {
  if (!applying) return;
  const { done, steps } = applying;
  stopApplying();
  $('apply-status').replaceChildren(`Cancelled after ${done} of ${steps.length} migrations; the in-browser database was discarded.`);
  $('try-apply').focus();
});

// ---- history: a timeline from the tracker and the lock ----

/** How many entries of a long group the timeline shows before folding the middle. */
const HISTORY_SHOWN = 10;

/** The migration the last Try apply stopped at, if it failed: shown as failed. */
let lastFailure = null;

function renderHistory() {
  const migrations = lastReport.migrations;
  const id = (m) => idText(m.id);
  const entry = (m, when, status = m.status) => el('li', { class: `event ${status}`, 'data-id': String(m.id) },
    el('span', { class: 'mono' }, when),
    ' ', el('span', { class: `badge ${status}` }, status), ' ',
    el('strong', {}, `${id(m)} ${m.name}`),
    m.appliedBy ? el('span', { class: 'muted' }, ` by ${m.appliedBy}`) : '');
  const groups = [];
  // Applied (and modified or missing after being applied), in the order they were applied.
  const applied = migrations.filter((m) => m.appliedAt).sort((a, b) => (a.appliedAt < b.appliedAt ? -1 : a.appliedAt > b.appliedAt ? 1 : a.id - b.id));
  let day = null;
  let list = null;
  for (const m of applied) {
    const date = m.appliedAt.slice(0, 10);
    if (date !== day) {
      day = date;
      list = el('ol', {});
      groups.push(el('li', { class: 'day' }, el('h3', {}, date), list));
    }
    list.append(entry(m, m.appliedAt.slice(11, 19)));
  }
  const waiting = migrations.filter((m) => !m.appliedAt);
  if (waiting.length > 0) {
    groups.push(el('li', { class: 'day' }, el('h3', {}, 'Not applied'),
      el('ol', {}, ...waiting.map((m) => entry(m, '', lastFailure?.id === m.id ? 'failed' : m.status)))));
  }
  // A long group shows its first and last entries; the rest open on demand,
  // so a 342-migration project does not push the page 10,000 px down.
  for (const group of groups) {
    const list = group.querySelector('ol');
    const items = [...list.children];
    if (items.length <= HISTORY_SHOWN) continue;
    // Problems are never folded away.
    const hidden = items.slice(HISTORY_SHOWN / 2, -HISTORY_SHOWN / 2).filter((item) => ![...PROBLEMS, 'failed'].some((status) => item.classList.contains(status)));
    if (hidden.length < 2) continue;
    const rest = el('ol', {}, ...hidden);
    const fold = el('li', {}, el('details', {}, el('summary', {}, `${hidden.length} more`), rest));
    list.insertBefore(fold, items[items.indexOf(hidden.at(-1)) + 1] ?? null);
  }
  $('timeline').replaceChildren(...(groups.length ? groups : [el('li', { class: 'muted' }, 'No migrations.')]));
  $('history').hidden = migrations.length === 0;
}

// ---- jobs in apply-worker.js besides Try apply: the schema, a squash ----

/** The worker of each kind of job running now; a new job of a kind ends the last. */
const jobs = new Map();

function endJobs() {
  for (const { worker, button } of jobs.values()) {
    worker.terminate();
    button.disabled = false;
  }
  jobs.clear();
}

/**
 * Runs `message` in a new apply worker, `button` disabled meanwhile, and
 * hands its answers to `answer(data, done)`; a plan refused, an error
 * (after `failed`) and the worker's end close the job with a status line.
 */
function startJob(kind, message, { button, status, failed, answer }) {
  jobs.get(kind)?.worker.terminate();
  const worker = new Worker(new URL('./apply-worker.js', import.meta.url), { type: 'module' });
  jobs.set(kind, { worker, button });
  button.disabled = true;
  const done = (...lines) => {
    if (jobs.get(kind)?.worker !== worker) return;
    worker.terminate();
    jobs.delete(kind);
    button.disabled = false;
    status.replaceChildren(...lines);
  };
  worker.onerror = (event) => done(el('span', { class: 'error-text' }, `Could not run: ${event.message ?? 'the worker failed'}`));
  worker.onmessage = ({ data }) => {
    // A job ended or replaced (a new project loaded) answers nothing more.
    if (jobs.get(kind)?.worker !== worker) return;
    if (data.type === 'plan' && !data.ok) done(el('p', { class: 'error-text' }, 'Refused until these are fixed:'), listDiagnostics(data.diagnostics));
    else if (data.type === 'error') done(el('span', { class: 'error-text' }, `${failed}: ${data.message}`));
    else if (data.type === 'end') done(...status.childNodes);
    else answer(data, done);
  };
  worker.postMessage(message);
}

// ---- schema at a migration, and the difference between two ----

$('schema-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const at = Number($('schema-at').value);
  const from = $('schema-from').value === '' ? null : Number($('schema-from').value);
  const ids = from === null ? [at] : [from, at];
  $('schema-view').replaceChildren();
  $('generate-result').replaceChildren();
  $('generate-form').hidden = true;
  shownDiff = null;
  $('schema-status').replaceChildren(`Applying migrations up to ${idText(Math.max(...ids))} in an in-browser database…`);
  startJob('schema', { type: 'schemas', input: input(), ids }, {
    button: $('show-schema'),
    status: $('schema-status'),
    failed: 'A migration failed, so there is no schema to show',
    answer(data, done) {
      if (data.type !== 'schemas') return;
      const label = (id) => `migration ${idText(id)}`;
      if (from === null) {
        $('schema-view').replaceChildren(...schemaTables(data.schemas[0]));
        done(`${data.schemas[0].tables.length} table${data.schemas[0].tables.length === 1 ? '' : 's'} after ${label(at)}.`);
      } else {
        const diff = diffSchemas(data.schemas[0], data.schemas[1]);
        $('schema-view').replaceChildren(...diffView(diff));
        // A change can be written as the next migrations, where that is safe.
        shownDiff = diff.same ? null : diff;
        $('generate-form').hidden = diff.same;
        done(diff.same ? `No change from ${label(from)} to ${label(at)}.` : `From ${label(from)} to ${label(at)}: ${diff.added.length} table${diff.added.length === 1 ? '' : 's'} added, ${diff.removed.length} removed, ${diff.changed.length} changed.`);
      }
    },
  });
});

// ---- the diff shown, written as the next migrations ----

/** The diff the schema panel shows now, or null. */
let shownDiff = null;

$('generate-form').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!shownDiff) return;
  const made = generatedMigrations({
    diff: shownDiff,
    name: $('generate-name').value,
    existing: project.files.map((f) => f.path.split('/').at(-1)),
    created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    create: createMigration,
  });
  const result = $('generate-result');
  if (made.error) {
    result.replaceChildren(el('p', { class: 'error-text' }, ...prose(made.error.message)), el('p', {}, ...prose(made.error.help)));
    return;
  }
  for (const file of made.files) download(file.fileName, file.text);
  const refused = made.refused.length
    ? [el('p', {}, `Not written, for a person to decide (${made.refused.length}):`), el('ul', {}, ...made.refused.map((r) => el('li', {}, el('strong', {}, r.object), `: ${r.reason}`)))]
    : [];
  result.replaceChildren(
    made.files.length
      ? el('p', {}, `Downloaded ${made.files.map((f) => f.fileName).join(', ')}: read ${made.files.length === 1 ? 'it' : 'them'}, then put ${made.files.length === 1 ? 'it' : 'them'} in migrations/ (`, el('code', {}, `mv ${made.files.map((f) => `~/Downloads/${f.fileName}`).join(' ')} migrations/`), ').')
      : el('p', { class: 'error-text' }, 'Nothing of this change is safe to write as a migration.'),
    ...refused,
    ...made.files.map((file) => el('details', {}, el('summary', {}, file.fileName), el('pre', {}, file.text))),
  );
});

// ---- squash: one migration for 1..N, checked, as downloads ----

$('squash-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const to = Number($('squash-to').value);
  const result = $('squash-result');
  result.replaceChildren(`Building the squash of migrations 1 to ${idText(to)} and checking it in two in-browser databases…`);
  startJob('squash', { type: 'squash', input: input(), to, created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }, {
    button: $('squash'),
    status: result,
    failed: 'A migration failed, so nothing was squashed',
    answer(data, done) {
      if (data.type !== 'squash') return;
      const { built, lock } = data;
      if (!built.ok) {
        const blockers = built.blockers ?? [];
        done(el('p', { class: 'error-text' }, ...prose(built.message)),
          blockers.length
            ? el('ul', {}, ...blockers.map((b) => el('li', {}, el('strong', {}, b.object), `: ${b.reason}`)))
            : el('p', {}, ...prose(built.help)),
          built.diagnostics ? listDiagnostics(built.diagnostics) : '');
        return;
      }
      download(built.fileName, built.text);
      const lockSaved = Boolean(lock?.ok);
      if (lockSaved) download(LOCK_DOWNLOAD, lock.text);
      const kept = '.kimberlite/migrations/squashed';
      const moves = [
        `mkdir -p ${kept}`,
        `mv ${built.replaced.map((m) => `migrations/${m.fileName}`).join(' ')} ${kept}/`,
        `mv ~/Downloads/${built.fileName} migrations/`,
        ...(lockSaved ? [`mv ~/Downloads/${LOCK_DOWNLOAD} .kimberlite/migrations/.lock`] : []),
      ];
      done(
        el('p', {}, `Downloaded ${built.fileName}${lockSaved ? ` and the lock that goes with it (${LOCK_DOWNLOAD})` : ''}: one migration for ${built.replaced.length} migrations, 1 to ${idText(to)}. Checked in two in-browser databases: the squash makes the same schema${built.down ? ', and its Down leaves what theirs leave' : ''}.`),
        built.noDown ? el('p', {}, `It has no Down section: ${built.noDown}.`) : '',
        lock && !lock.ok ? listDiagnostics(lock.diagnostics) : '',
        el('p', {}, 'To put it in the project, from its folder (the replaced files are kept, for the databases that applied them):'),
        el('pre', { class: 'commands' }, moves.join('\n')),
        el('p', {}, 'Each database that applied the replaced migrations then adopts the squash, running none of its SQL: ', el('code', {}, 'kmb migration squash --adopt --database <url>'), '.'),
        el('details', {}, el('summary', {}, built.fileName), el('pre', { class: 'squash-text' }, built.text)),
      );
    },
  });
});

/** A schema's tables, each with its columns, constraints, indexes and triggers; then its views and functions. */
function schemaTables(schema) {
  const views = schema.views ?? [];
  const functions = schema.functions ?? [];
  if (schema.tables.length === 0 && views.length === 0 && functions.length === 0) return [el('p', { class: 'muted' }, 'No tables.')];
  const code = (title, text) => el('details', {}, el('summary', { class: 'mono' }, title), el('pre', {}, text));
  return [
    el('div', { class: 'tables' }, ...schema.tables.map((table) => el('section', { 'data-schema-table': table.name },
      el('h3', {}, table.name),
      el('ul', {},
        ...table.columns.map((column) => el('li', { class: 'mono' }, columnSql(column))),
        ...table.constraints.map((constraint) => el('li', { class: 'mono muted' }, constraintText(constraint))),
        ...table.indexes.map((index) => el('li', { class: 'mono muted' }, `index ${indexText(index)}`)),
        ...(table.triggers ?? []).map((trigger) => el('li', { class: 'mono muted' }, `trigger ${trigger.name}`)),
      )))),
    ...(views.length || functions.length ? [el('ul', { class: 'routines' },
      ...views.map((view) => el('li', { 'data-schema-view': view.name }, code(`view ${view.name}`, view.definition))),
      ...functions.map((routine) => el('li', { 'data-schema-function': routine.name }, code(`${routine.kind} ${routine.name}`, routine.definition))))] : []),
  ];
}

/** A diff: added and removed tables, and each changed table's changes (the core's wording). */
function diffView(diff) {
  if (diff.same) return [el('p', { class: 'muted' }, 'The schemas are the same.')];
  const CLASS = { '+': 'added', '-': 'removed', '~': 'changed' };
  const items = [];
  let inner = null;
  for (const line of diffLines(diff)) {
    const item = el('li', { class: CLASS[line.sign] }, `${line.sign} ${line.text}`);
    if (line.table === null) {
      inner = null;
      items.push(item);
      if (line.sign === '~' && line.text.startsWith('table ')) {
        inner = el('ul', {});
        item.setAttribute('data-diff-table', line.text.replace(/^table /, ''));
        item.append(inner);
      }
    } else inner.append(item);
  }
  return [el('ul', { class: 'diff mono' }, ...items)];
}

function showTables(rows) {
  const tables = new Map();
  for (const row of rows) {
    if (!tables.has(row.table_name)) tables.set(row.table_name, []);
    tables.get(row.table_name).push(`${row.column_name} ${row.data_type}`);
  }
  $('tables').replaceChildren(
    el('h3', {}, `Resulting tables (${tables.size})`),
    el('div', { class: 'tables' }, ...[...tables].map(([name, columns]) => el('section', { 'data-table': name }, el('h3', {}, name), el('ul', {}, ...columns.map((c) => el('li', {}, c)))))),
  );
}

document.body.dataset.ready = 'true';
