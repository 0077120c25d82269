// Fills in the statements of `analyze`'s report. The core returns the report
// without them; each migration's `up` and `down` become ordinary enumerable
// properties that parse that one file (`parseMigration`, the same core
// function `analyze` runs) the first time either is read, then keep the
// result. A report of 10 000 migrations holds hundreds of thousands of
// statements that most callers never look at; making them all was most of
// `analyze`'s time. JSON, spreading, `structuredClone` and assignment see
// plain data.

// What a migration's statements are made from, until they are read: a
// property no copy sees (not enumerable, and a symbol, which JSON and
// `structuredClone` skip); an object made from the migration
// (Object.create) reads it through its prototype.
const SOURCE = Symbol('kimberlite-migration statements source');

function settle(migration, key, value) {
  Object.defineProperty(migration, key, { value, enumerable: true, configurable: true, writable: true });
}

// One getter and setter per key, shared by every migration of every report,
// instead of two closures made for each migration.
const ACCESSORS = Object.fromEntries(['up', 'down'].map((key) => [key, {
  enumerable: true,
  configurable: true,
  get() {
    const source = this[SOURCE];
    source.parsed ??= source.parse(source.path, source.contentsOf.get(source.path));
    const value = source.parsed[key];
    settle(this, key, value);
    return value;
  },
  set(value) {
    settle(this, key, value);
  },
}]));

/**
 * `report` from the core's `analyze(input)`, with statements to come from
 * `parse` (the core's `parseMigration`) unless `input.statements === false`.
 */
export function assemble(report, input, parse) {
  if (input.statements === false) return report;
  const contentsOf = snapshot(input.files);
  for (const migration of report.migrations) {
    if (migration.path === null || !contentsOf.has(migration.path)) continue;
    Object.defineProperty(migration, SOURCE, { value: { path: migration.path, contentsOf, parse, parsed: undefined } });
    Object.defineProperties(migration, ACCESSORS);
  }
  return report;
}

/**
 * The files' contents as they are now (a caller may reuse its buffers):
 * strings as they are, bytes copied into one shared buffer, which costs far
 * less than a buffer a file when there are 100 000 of them.
 */
function snapshot(files) {
  let total = 0;
  for (const { contents } of files) if (typeof contents !== 'string') total += contents.byteLength;
  const store = new Uint8Array(total);
  const texts = new Map();
  const starts = new Map();
  const ends = new Map();
  let at = 0;
  for (const { path, contents } of files) {
    if (texts.has(path) || starts.has(path)) continue;
    if (typeof contents === 'string') {
      texts.set(path, contents);
    } else {
      store.set(contents, at);
      starts.set(path, at);
      at += contents.byteLength;
      ends.set(path, at);
    }
  }
  return {
    has: (path) => texts.has(path) || starts.has(path),
    get: (path) => texts.get(path) ?? store.subarray(starts.get(path), ends.get(path)),
  };
}
