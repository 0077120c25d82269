// Assembles `analyze`'s report from the core's two parts: the report without
// statements, and one JSON text per migration with its statements in a
// compact form (see SectionsDto in src/wasm/dto.rs). They become ordinary
// enumerable `up`/`down` properties, built the first time either is read
// (then kept): a report of 10 000 migrations holds hundreds of thousands of
// statements that most callers never look at, and building them all made up
// most of `analyze`'s time. Assigning to `up` or `down` replaces the value as
// on any object.

/** `[text, spanStart, spanEnd, startLine, startCharacter, endLine, endCharacter, terminated, ...keywords]`. */
function statement(packed) {
  return {
    text: packed[0],
    span: { start: packed[1], end: packed[2] },
    range: { start: { line: packed[3], character: packed[4] }, end: { line: packed[5], character: packed[6] } },
    keywords: packed.slice(8),
    terminated: packed[7] === 1,
  };
}

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
      let sections;
      const load = () => {
        if (sections === undefined) {
          const [up, down] = JSON.parse(text);
          sections = { up: up.map(statement), down: down === null ? null : down.map(statement) };
        }
        return sections;
      };
      lazy(migrations[i], 'up', load);
      lazy(migrations[i], 'down', load);
    }
  }
  return report;
}
