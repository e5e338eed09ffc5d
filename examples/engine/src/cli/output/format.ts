import { alignColumns } from './table.js';
import { compileTemplate } from './template.js';

/** How a list command prints by default, and the column titles `table {{.Field}}` formats get. */
export interface ListFormat {
  /** Docker's default, e.g. `table {{.ID}}\t{{.Image}}`. */
  table: string;
  headers: Record<string, string>;
}

/** Docker writes `\t` and `\n` in a format flag as escapes; they mean tab and newline. */
function expandEscapes(format: string): string {
  return format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

/** `--format` for a list: `table …` (aligned, with a header), `json` (one object a line), or a template. */
export function renderList(rows: object[], format: string | undefined, spec: ListFormat): string {
  let source = format?.trim() || 'table';
  if (source === 'table') source = spec.table;
  if (source === 'json') source = '{{json .}}';
  source = expandEscapes(source);
  if (!source.startsWith('table')) {
    const template = compileTemplate(source);
    return rows.map((row) => `${template(row)}\n`).join('');
  }
  const template = compileTemplate(source.slice('table'.length).trimStart());
  const headers = new Proxy(spec.headers, {
    get: (target, key) => (typeof key === 'string' ? (target[key] ?? '') : undefined),
  });
  const text = [template(headers), ...rows.map((row) => template(row))].join('\n');
  return alignColumns(text.split('\n'));
}

/** `--format` for single values (inspect, info, version): the template once per value. */
export function renderEach(values: unknown[], format: string): string {
  const source = format === 'json' ? '{{json .}}' : expandEscapes(format);
  const template = compileTemplate(source);
  return values.map((v) => `${template(v)}\n`).join('');
}
