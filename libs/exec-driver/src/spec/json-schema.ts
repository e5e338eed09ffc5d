/**
 * The part of JSON Schema draft-04 the OCI runtime-spec schemas use: type, properties,
 * required, items, enum, pattern, minimum/maximum, minItems, anyOf/allOf,
 * additionalProperties, patternProperties and $ref across the schema files. Returns the
 * first problem with the JSON path of the bad value.
 */

export interface SchemaIssue {
  /** `process.user.uid`, `linux.namespaces[0].type`; '' for the document itself. */
  path: string;
  message: string;
}

type Schema = Record<string, unknown>;
export type SchemaFiles = Record<string, Schema>;

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'null':
      return v === null;
    default:
      return false;
  }
}

const join = (path: string, key: string | number) =>
  typeof key === 'number'
    ? `${path}[${key}]`
    : /^[A-Za-z_$][\w$]*$/.test(key)
      ? path
        ? `${path}.${key}`
        : key
      : `${path}[${JSON.stringify(key)}]`;

/**
 * Where a value sits, as a chain from the document root. The path string is built only for a
 * failure: building it for every value (a spec with Docker's seccomp profile has thousands)
 * was most of a CLI start-up's validation time.
 */
interface Where {
  parent: Where | undefined;
  key: string | number;
}

function pathOf(where: Where | undefined): string {
  return where ? join(pathOf(where.parent), where.key) : '';
}

const issueAt = (where: Where | undefined, message: string): SchemaIssue => ({
  path: pathOf(where),
  message,
});

export class SchemaValidator {
  private readonly patterns = new Map<string, RegExp>();
  private readonly refs = new Map<string, { schema: Schema; file: string }>();

  constructor(private readonly files: SchemaFiles) {}

  validate(file: string, value: unknown): SchemaIssue | undefined {
    const schema = this.files[file];
    if (!schema) throw new Error(`no schema ${file}`);
    return this.check(schema, file, value, undefined);
  }

  private resolve(ref: string, file: string): { schema: Schema; file: string } {
    const key = `${file}#${ref}`;
    let resolved = this.refs.get(key);
    if (!resolved) {
      resolved = this.lookup(ref, file);
      this.refs.set(key, resolved);
    }
    return resolved;
  }

  private lookup(ref: string, file: string): { schema: Schema; file: string } {
    const [target, pointer = ''] = ref.split('#');
    const f = target ? target : file;
    let node: unknown = this.files[f];
    for (const part of pointer.split('/').filter(Boolean)) node = (node as Schema)?.[part];
    if (!node) throw new Error(`unresolved $ref ${ref} in ${file}`);
    return { schema: node as Schema, file: f };
  }

  private regex(source: string): RegExp {
    let re = this.patterns.get(source);
    if (!re) {
      re = new RegExp(source, 'u');
      this.patterns.set(source, re);
    }
    return re;
  }

  private check(schema: Schema, file: string, v: unknown, where: Where | undefined): SchemaIssue | undefined {
    if (typeof schema.$ref === 'string') {
      const r = this.resolve(schema.$ref, file);
      return this.check(r.schema, r.file, v, where);
    }
    if (schema.type !== undefined) {
      const single = typeof schema.type === 'string';
      if (
        single
          ? !typeMatches(schema.type as string, v)
          : !(schema.type as string[]).some((t) => typeMatches(t, v))
      ) {
        const types = single ? [schema.type as string] : (schema.type as string[]);
        return issueAt(where, `must be ${types.join(' or ')}, got ${describe(v)}`);
      }
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === v))
      return issueAt(
        where,
        `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(v)}`,
      );
    if (typeof v === 'string' && typeof schema.pattern === 'string' && !this.regex(schema.pattern).test(v))
      return issueAt(where, `${JSON.stringify(v)} does not match ${schema.pattern}`);
    if (typeof v === 'number') {
      if (typeof schema.minimum === 'number' && v < schema.minimum)
        return issueAt(where, `must be >= ${schema.minimum}`);
      if (typeof schema.maximum === 'number' && v > schema.maximum)
        return issueAt(where, `must be <= ${schema.maximum}`);
    }
    if (Array.isArray(v)) {
      if (typeof schema.minItems === 'number' && v.length < schema.minItems)
        return issueAt(where, `must have at least ${schema.minItems} item(s)`);
      if (schema.items && typeof schema.items === 'object') {
        for (const [i, item] of v.entries()) {
          const issue = this.check(schema.items as Schema, file, item, { parent: where, key: i });
          if (issue) return issue;
        }
      }
    }
    if (typeMatches('object', v)) {
      const obj = v as Record<string, unknown>;
      for (const key of (schema.required as string[] | undefined) ?? [])
        if (!(key in obj)) return { path: pathOf({ parent: where, key }), message: 'is required' };
      const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
      const patternProps = Object.entries(
        (schema.patternProperties as Record<string, Schema> | undefined) ?? {},
      );
      for (const [key, val] of Object.entries(obj)) {
        const sub: Where = { parent: where, key };
        let matched = false;
        if (props[key]) {
          matched = true;
          const issue = this.check(props[key], file, val, sub);
          if (issue) return issue;
        }
        for (const [pattern, ps] of patternProps) {
          if (!this.regex(pattern).test(key)) continue;
          matched = true;
          const issue = this.check(ps, file, val, sub);
          if (issue) return issue;
        }
        if (!matched && schema.additionalProperties !== undefined) {
          if (schema.additionalProperties === false) return { path: pathOf(sub), message: 'is not allowed' };
          if (typeof schema.additionalProperties === 'object') {
            const issue = this.check(schema.additionalProperties as Schema, file, val, sub);
            if (issue) return issue;
          }
        }
      }
    }
    if (Array.isArray(schema.allOf)) {
      for (const s of schema.allOf as Schema[]) {
        const issue = this.check(s, file, v, where);
        if (issue) return issue;
      }
    }
    if (Array.isArray(schema.anyOf)) {
      const issues = (schema.anyOf as Schema[]).map((s) => this.check(s, file, v, where));
      if (issues.every((i) => i !== undefined)) return issues[0];
    }
    return undefined;
  }
}
