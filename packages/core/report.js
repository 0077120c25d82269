// Fills in the statements of `analyze`'s report. The core returns the report
// without them; each migration's `up` and `down` become ordinary enumerable
// properties that parse that one file (`parseMigration`, the same core
// function `analyze` runs) the first time either is read, then keep the
// result. A report of 10 000 migrations holds hundreds of thousands of
// statements that most callers never look at; making them all was most of
// `analyze`'s time. JSON, spreading, `structuredClone` and assignment see
// plain data.

function lazy(migration, key, load) {
  Object.defineProperty(migration, key, {
    enumerable: true,
    configurable: true,
    get() {
      const value = load()[key];
      Object.defineProperty(migration, key, { value, enumerable: true, configurable: true, writable: true });
      return value;
    },
    set(value) {
      Object.defineProperty(migration, key, { value, enumerable: true, configurable: true, writable: true });
    },
  });
}

/**
 * `report` from the core's `analyze(input)`, with statements to come from
 * `parse` (the core's `parseMigration`) unless `input.statements === false`.
 */
export function assemble(report, input, parse) {
  if (input.statements === false) return report;
  const contentsOf = snapshot(input.files);
  for (const migration of report.migrations) {
    if (migration.path === null || !contentsOf.has(migration.path)) continue;
    let parsed;
    const load = () => (parsed ??= parse(migration.path, contentsOf.get(migration.path)));
    lazy(migration, 'up', load);
    lazy(migration, 'down', load);
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
