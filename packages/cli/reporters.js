// Output formats of `kmb migration lint` and `validate` (`--format <name>`):
// what people read, and what CI systems read. Each takes the findings
// (diagnostics with 0-based UTF-16 ranges) and returns the whole text to
// print. A finding with no file (one about the options, such as an unknown
// `--rule` code) is given no location.
import { createHash } from 'node:crypto';

export const FORMATS = ['text', 'compact', 'json', 'github', 'sarif', 'gitlab'];

const position = (d) => (d.range ? { line: d.range.start.line + 1, column: d.range.start.character + 1 } : { line: 1, column: 1 });

/** `file:line:col: severity[code] message`, one line each. */
export function compact(diagnostics) {
  return diagnostics
    .map((d) => {
      const { line, column } = position(d);
      // A finding about the options (no file) has no place to name.
      const at = d.file ? `${d.file}:${line}:${column}: ` : '';
      return `${at}${d.severity}[${d.code}] ${d.message.replace(/\s*\n\s*/g, ' ')}`;
    })
    .join('\n');
}

/** Counts per code and severity, most findings first, as an aligned table. */
export function summaryTable(diagnostics) {
  const rows = new Map();
  for (const d of diagnostics) {
    const row = rows.get(d.code) ?? { code: d.code, error: 0, warning: 0, info: 0, hint: 0 };
    row[d.severity] += 1;
    rows.set(d.code, row);
  }
  if (rows.size === 0) return '';
  const total = (r) => r.error + r.warning + r.info + r.hint;
  const sorted = [...rows.values()].sort((a, b) => total(b) - total(a) || a.code.localeCompare(b.code));
  const header = ['rule', 'errors', 'warnings', 'infos'];
  const lines = sorted.map((r) => [r.code, String(r.error), String(r.warning), String(r.info + r.hint)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const cell = (text, i) => (i === 0 ? text.padEnd(widths[i]) : text.padStart(widths[i]));
  return [header, ...lines].map((l) => l.map(cell).join('  ').trimEnd()).join('\n');
}

/** GitHub Actions workflow commands: one annotation per finding. */
export function github(diagnostics) {
  const data = (text) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const property = (text) => data(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const command = { error: 'error', warning: 'warning', info: 'notice', hint: 'notice' };
  return diagnostics
    .map((d) => {
      const props = d.file ? [`file=${property(d.file)}`] : [];
      if (d.file && d.range) {
        props.push(`line=${d.range.start.line + 1}`, `col=${d.range.start.character + 1}`);
        props.push(`endLine=${d.range.end.line + 1}`, `endColumn=${d.range.end.character + 1}`);
      }
      props.push(`title=${property(`kmb ${d.code}`)}`);
      const help = d.help ? `\n${d.help}` : '';
      return `::${command[d.severity] ?? 'notice'} ${props.join(',')}::${data(d.message + help)}`;
    })
    .join('\n');
}

/**
 * SARIF 2.1.0 (OASIS), one run: every code as a rule of the driver, every
 * finding as a result with its region (1-based lines, UTF-16 columns).
 */
export function sarif(diagnostics, { codes, version }) {
  const level = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };
  const rules = codes.map((c) => ({
    id: c.code,
    shortDescription: { text: c.summary },
    defaultConfiguration: { level: level[c.severity] ?? 'note' },
    properties: { group: c.group, silenceable: c.silenceable },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = diagnostics.map((d) => {
    const result = {
      ruleId: d.code,
      level: level[d.severity] ?? 'note',
      message: { text: d.help ? `${d.message}\n${d.help}` : d.message },
      locations: d.file === '' ? [] : [{
        physicalLocation: {
          artifactLocation: { uri: d.file.split(/[\\/]/).map(encodeURIComponent).join('/') },
          ...(d.range ? {
            region: {
              startLine: d.range.start.line + 1,
              startColumn: d.range.start.character + 1,
              endLine: d.range.end.line + 1,
              endColumn: d.range.end.character + 1,
            },
          } : {}),
        },
      }],
    };
    if (index.has(d.code)) result.ruleIndex = index.get(d.code);
    return result;
  });
  return JSON.stringify({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'kmb', informationUri: 'https://www.npmjs.com/package/kimberlite-migration', version, rules } },
      columnKind: 'utf16CodeUnits',
      results,
    }],
  }, null, 2);
}

/**
 * GitLab Code Quality: an array of issues, each with a fingerprint that
 * stays the same while the finding does (file, code, line and message).
 */
export function gitlab(diagnostics) {
  const severity = { error: 'major', warning: 'minor', info: 'info', hint: 'info' };
  return JSON.stringify(diagnostics.map((d) => {
    const { line } = position(d);
    return {
      description: d.message,
      check_name: d.code,
      fingerprint: createHash('sha256').update(`${d.file}\0${d.code}\0${line}\0${d.message}`).digest('hex'),
      severity: severity[d.severity] ?? 'info',
      // GitLab needs a path: a finding about the options is put on the project's root.
      location: { path: d.file || '.', lines: { begin: line } },
    };
  }), null, 2);
}
