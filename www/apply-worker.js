// "Try apply", "Schema" and "Squash", off the page's thread: plans the project with the core, starts
// PGlite (with the contrib extensions the migrations create) and runs every
// step with the core's runStep, reporting each one; then lists the tables.
// The page stays responsive, shows progress, and cancels by ending this
// worker (the in-memory database goes with it).
import { ready, analyze, parseMigration, planApply, squashLock, buildSquash, pgliteExtensionsOf, pgliteModuleOf, runStep, schemasAfter } from './vendor/kimberlite-migration/browser.js';

const send = (message) => postMessage(message);

/** A new in-memory PGlite with the contrib extensions `steps` create. */
async function database(steps) {
  const { PGlite } = await import('./vendor/pglite/index.js');
  const extensions = {};
  for (const name of pgliteExtensionsOf(steps)) {
    const module = pgliteModuleOf(name);
    extensions[module] = (await import(`./vendor/pglite/contrib/${module}.js`))[module];
  }
  return PGlite.create({ extensions });
}

/** The schema after each migration of `ids`, from one scratch database the migrations run on once. */
async function schemasAt(input, ids) {
  await ready();
  const plan = planApply({ ...input, tracker: null });
  if (!plan.ok) {
    send({ type: 'plan', ok: false, diagnostics: plan.diagnostics, steps: [] });
    return;
  }
  const steps = plan.steps.filter((step) => step.id <= Math.max(...ids));
  const db = await database(steps);
  try {
    send({ type: 'schemas', ids, schemas: await schemasAfter(db, steps, ids) });
  } catch (error) {
    const step = plan.steps.find((s) => s.statements.includes(error.statement));
    send({ type: 'error', message: `${step ? `${step.path}: ` : ''}${String(error?.message ?? error)}` });
  } finally {
    await db.close();
  }
}

/**
 * The squash of migrations 1..`to`, built and checked on two in-memory
 * databases as `kmb migration squash` does, and the lock it goes with: the
 * page offers both as downloads.
 */
async function squash(input, to, created) {
  await ready();
  // What decides whether migrations can run, as `kmb migration squash` reads
  // it: squawk's lock rules (the cost of a full lint) are not asked for.
  const project = { ...input, tracker: null, options: { ...input.options, parserRules: false } };
  const built = await buildSquash({
    report: analyze(project),
    steps: planApply(project).steps,
    contents: new Map(input.files.map((file) => [file.path, file.contents])),
    to,
    open: database,
    parse: parseMigration,
    keptIn: '.kimberlite/migrations/squashed',
    created,
  });
  if (!built.ok) {
    send({ type: 'squash', built });
    return;
  }
  const { ok, id, fileName, text, replaced, down, noDown, parsed } = built;
  const lock = input.lock === null ? null : squashLock({ lock: input.lock, lockPath: '.kimberlite/migrations/.lock', squash: { id, name: parsed.name, checksum: parsed.checksum } });
  send({ type: 'squash', built: { ok, id, fileName, text, replaced, down, noDown }, lock });
}

async function tryApply(input) {
  await ready();
  // Every migration, in order, into an empty database: the applied ones
  // rebuild the schema, then the pending ones run on top.
  const plan = planApply({ ...input, tracker: null });
  send({ type: 'plan', ok: plan.ok, diagnostics: plan.diagnostics, steps: plan.steps.map(({ id, name, path }) => ({ id, name, path })) });
  if (!plan.ok) return;
  const db = await database(plan.steps);
  for (const [index, step] of plan.steps.entries()) {
    send({ type: 'step', index, phase: 'start' });
    const started = performance.now();
    try {
      await runStep(db, step);
    } catch (error) {
      const statement = error.statement ? { text: error.statement.text, range: error.statement.range } : null;
      send({ type: 'step', index, phase: 'failed', message: String(error?.message ?? error), statement });
      break;
    }
    send({ type: 'step', index, phase: 'done', ms: Math.round(performance.now() - started) });
  }
  const { rows } = await db.query(
    "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
  );
  send({ type: 'tables', rows });
  await db.close();
}

onmessage = ({ data }) => {
  const jobs = {
    apply: () => tryApply(data.input),
    schemas: () => schemasAt(data.input, data.ids),
    squash: () => squash(data.input, data.to, data.created),
  };
  const job = Object.hasOwn(jobs, data?.type ?? '') ? jobs[data.type]() : null;
  if (!job) return;
  job
    .catch((error) => send({ type: 'error', message: String(error?.message ?? error) }))
    .finally(() => send({ type: 'end' }));
};
