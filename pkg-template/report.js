// Assembles `analyze`'s report from the core's two parts: the report without
// statements, and one JSON text per migration with its `up`/`down`
// statements. Those become ordinary enumerable properties, parsed the first
// time one of them is read (then kept): a report of 10 000 migrations holds
// hundreds of thousands of statements that most callers never look at, and
// building them all made up most of `analyze`'s time. Assigning to `up` or
// `down` replaces the value as on any object.

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

/** `[report, statements?]` from the core to the report `analyze` returns. */
export function assemble([report, statements]) {
  if (statements) {
    const { migrations } = report;
    for (let i = 0; i < migrations.length; i++) {
      const text = statements[i];
      if (typeof text !== 'string') continue;
      let parsed;
      const load = () => (parsed ??= JSON.parse(text));
      lazy(migrations[i], 'up', load);
      lazy(migrations[i], 'down', load);
    }
  }
  return report;
}
