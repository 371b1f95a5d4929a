import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse, parseAllDocuments, stringify } from 'yaml';

// No helm binary here: the chart is checked by reading it, and its templates are rendered by the
// small Go-template interpreter below. It knows the template actions and the Helm/Sprig functions
// the chart uses and fails loudly on anything else, so a new function means teaching it here.
const chartDir = join(__dirname, '..', 'deploy', 'helm', 'herald');
const read = (path: string): string => readFileSync(join(chartDir, path), 'utf8');
const chart = parse(read('Chart.yaml'));
const values = parse(read('values.yaml'));
const schema = JSON.parse(read('values.schema.json'));
const templateFiles = readdirSync(join(chartDir, 'templates')).sort();
const templates: Record<string, string> = Object.fromEntries(templateFiles.map((file) => [file, read(`templates/${file}`)]));

const APPS: { key: string; component: string; port: number; portEnv: string; grpc?: { port: number; portEnv: string } }[] = [
  {
    key: 'subscriptions',
    component: 'subscriptions',
    port: 8080,
    portEnv: 'SUBSCRIPTIONS_PORT',
    grpc: { port: 50051, portEnv: 'SUBSCRIPTIONS_GRPC_PORT' },
  },
  { key: 'ingest', component: 'ingest', port: 8081, portEnv: 'INGEST_PORT', grpc: { port: 50052, portEnv: 'INGEST_GRPC_PORT' } },
  { key: 'realtimeGateway', component: 'realtime-gateway', port: 8082, portEnv: 'GATEWAY_PORT' },
  { key: 'dispatcher', component: 'dispatcher', port: 8083, portEnv: 'DISPATCHER_PORT' },
];
const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
const REQUIRED = {
  secrets: { adminToken: 'test-admin-token-0123456789', encryptionKey: ENCRYPTION_KEY, databaseUrl: 'postgres://herald:pw@db:5432/herald' },
  config: { natsUrl: 'nats://nats:4222' },
};

// ---------------------------------------------------------------------------------------------
// Template text: actions, and the parse tree the interpreter runs.

type Token = { text: string } | { action: string };

/** Splits a template into text and actions, applying `{{-` and `-}}` whitespace trimming. */
function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  const re = /\{\{(-\s)?([\s\S]*?)(\s-)?\}\}/g;
  let last = 0;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    let text = src.slice(last, m.index);
    if (m[1]) text = text.replace(/\s+$/, '');
    tokens.push({ text }, { action: m[2].trim() });
    last = re.lastIndex;
    if (m[3]) last += /^\s*/.exec(src.slice(last))![0].length;
  }
  tokens.push({ text: src.slice(last) });
  return tokens.filter((t) => !('action' in t) || !t.action.startsWith('/*'));
}

/** Every action's text (comments excluded) with string literals blanked, for reference scans. */
function actionsOf(src: string): string[] {
  return tokenize(src).flatMap((t) => ('action' in t ? [t.action.replace(/"(?:[^"\\]|\\.)*"/g, '""')] : []));
}

type TemplateNode = { kind: 'text'; text: string } | { kind: 'action'; expr: string } | BlockNode;
interface BlockNode {
  kind: 'block';
  type: 'if' | 'with' | 'range';
  branches: { head: string | null; body: TemplateNode[] }[];
}

const defines = new Map<string, TemplateNode[]>();

function parseTemplate(src: string, name: string): TemplateNode[] {
  const root: TemplateNode[] = [];
  const stack: { nodes: TemplateNode[]; block?: BlockNode }[] = [{ nodes: root }];
  for (const token of tokenize(src)) {
    const top = stack[stack.length - 1];
    if ('text' in token) {
      if (token.text) top.nodes.push({ kind: 'text', text: token.text });
      continue;
    }
    const action = token.action;
    const word = action.split(/\s+/, 1)[0];
    if (word === 'if' || word === 'with' || word === 'range') {
      const block: BlockNode = { kind: 'block', type: word, branches: [{ head: action.slice(word.length).trim(), body: [] }] };
      top.nodes.push(block);
      stack.push({ nodes: block.branches[0].body, block });
    } else if (word === 'else') {
      if (!top.block) throw new Error(`${name}: else outside a block`);
      const rest = action.slice(4).trim();
      if (rest && !rest.startsWith('if ')) throw new Error(`${name}: unsupported ${action}`);
      const branch = { head: rest ? rest.slice(3).trim() : null, body: [] };
      top.block.branches.push(branch);
      top.nodes = branch.body;
    } else if (word === 'define') {
      const body: TemplateNode[] = [];
      defines.set(JSON.parse(action.slice(6).trim()) as string, body);
      stack.push({ nodes: body });
    } else if (word === 'end') {
      stack.pop();
      if (stack.length === 0) throw new Error(`${name}: unbalanced end`);
    } else if (['template', 'block', 'break', 'continue'].includes(word)) {
      throw new Error(`${name}: unsupported action ${action}`);
    } else {
      top.nodes.push({ kind: 'action', expr: action });
    }
  }
  if (stack.length !== 1) throw new Error(`${name}: a block is not closed`);
  return root;
}

const trees: Record<string, TemplateNode[]> = Object.fromEntries(templateFiles.map((file) => [file, parseTemplate(templates[file], file)]));

// ---------------------------------------------------------------------------------------------
// The interpreter: Go template semantics (scopes, dot, $, range over sorted map keys, Helm's
// printing of nil as "") and the Sprig/Helm functions the chart uses.

class Scope {
  private readonly vars = new Map<string, unknown>();
  constructor(private readonly parent?: Scope) {}
  declare(name: string, value: unknown): void {
    this.vars.set(name, value);
  }
  assign(name: string, value: unknown): void {
    if (this.vars.has(name)) this.vars.set(name, value);
    else if (this.parent) this.parent.assign(name, value);
    else throw new Error(`undefined variable $${name}`);
  }
  get(name: string): unknown {
    if (this.vars.has(name)) return this.vars.get(name);
    if (this.parent) return this.parent.get(name);
    throw new Error(`undefined variable $${name}`);
  }
}

interface Ctx {
  dot: unknown;
  root: unknown;
  scope: Scope;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const truthy = (v: unknown): boolean =>
  !(v === undefined || v === null || v === false || v === 0 || v === 0n || v === '') &&
  !(Array.isArray(v) && v.length === 0) &&
  !(isMap(v) && Object.keys(v).length === 0);

/** Go's %v of a value: float64 numbers switch to exponent form from 1e21 down to 1e6. */
function str(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (Math.abs(v) < 1e6 || !Number.isInteger(v)) return String(v);
    const [mantissa, exp] = v.toExponential().split('e');
    return `${mantissa}e${exp[0]}${exp.slice(1).padStart(2, '0')}`;
  }
  throw new Error(`cannot print ${JSON.stringify(v)} (use toYaml)`);
}

/** Splits at `sep` outside quotes and parentheses. */
function splitTop(s: string, sep: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      current += c;
      if (c === '\\') current += s[++i];
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
      current += c;
    } else if (c === '(' || c === ')') {
      depth += c === '(' ? 1 : -1;
      current += c;
    } else if (depth === 0 && sep.test(c)) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function field(base: unknown, path: string[], expr: string): unknown {
  let v = base;
  for (const segment of path) {
    if (v === undefined || v === null) throw new Error(`nil pointer evaluating ${expr}`);
    if (!isMap(v)) throw new Error(`can't evaluate field ${segment} in ${expr}`);
    v = v[segment];
  }
  return v;
}

const num = (v: unknown): number => Number(v);
const FUNCTIONS: Record<string, (...args: any[]) => unknown> = {
  not: (v: unknown) => !truthy(v),
  and: (...args: unknown[]) => args.find((a) => !truthy(a)) ?? args[args.length - 1],
  or: (...args: unknown[]) => args.find((a) => truthy(a)) ?? args[args.length - 1],
  eq: (a: unknown, b: unknown) => a === b || (typeof a !== 'string' && num(a) === num(b)),
  ne: (a: unknown, b: unknown) => !(a === b || (typeof a !== 'string' && num(a) === num(b))),
  lt: (a: unknown, b: unknown) => num(a) < num(b),
  gt: (a: unknown, b: unknown) => num(a) > num(b),
  len: (v: unknown) => (typeof v === 'string' ? v.length : Array.isArray(v) ? v.length : isMap(v) ? Object.keys(v).length : 0),
  empty: (v: unknown) => !truthy(v),
  default: (fallback: unknown, v?: unknown) => (truthy(v) ? v : fallback),
  required: (message: string, v: unknown) => {
    if (v === undefined || v === null || v === '') throw new Error(`required: ${message}`);
    return v;
  },
  fail: (message: string) => {
    throw new Error(`fail: ${message}`);
  },
  index: (base: unknown, ...keys: unknown[]) =>
    keys.reduce((v, k) => (isMap(v) || Array.isArray(v) ? (v as any)[str(k)] : undefined), base),
  hasKey: (m: unknown, k: string) => isMap(m) && k in m,
  dict: (...kv: unknown[]) => Object.fromEntries(Array.from({ length: kv.length / 2 }, (_, i) => [str(kv[2 * i]), kv[2 * i + 1]])),
  list: (...items: unknown[]) => items,
  int: (v: unknown) => BigInt(Math.trunc(num(v))),
  int64: (v: unknown) => BigInt(Math.trunc(num(v))),
  toString: (v: unknown) => str(v),
  quote: (v: unknown) => (v === undefined || v === null ? '' : JSON.stringify(str(v))),
  print: (...args: unknown[]) => args.map(str).join(''),
  printf: (format: string, ...args: unknown[]) => format.replace(/%[sdv]/g, () => str(args.shift())),
  contains: (needle: string, haystack: string) => str(haystack).includes(needle),
  trunc: (n: number, s: string) => str(s).slice(0, n),
  trimSuffix: (suffix: string, s: string) => (str(s).endsWith(suffix) ? str(s).slice(0, -suffix.length) : str(s)),
  replace: (from: string, to: string, s: string) => str(s).split(from).join(to),
  trim: (s: unknown) => str(s).trim(),
  urlquery: (s: unknown) => encodeURIComponent(str(s)).replace(/%20/g, '+'),
  b64enc: (s: unknown) => Buffer.from(str(s), 'utf8').toString('base64'),
  b64dec: (s: unknown) => Buffer.from(str(s), 'base64').toString('latin1'),
  sha256sum: (s: unknown) => createHash('sha256').update(str(s)).digest('hex'),
  toYaml: (v: unknown) => stringify(v, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, ''),
  fromYaml: (s: unknown) => parse(str(s)) ?? {},
  nindent: (n: number, s: unknown) => `\n${str(s).replace(/^/gm, ' '.repeat(n))}`,
  indent: (n: number, s: unknown) => str(s).replace(/^/gm, ' '.repeat(n)),
};

function evalArg(word: string, ctx: Ctx): unknown {
  if (word.startsWith('(')) return evalPipeline(word.slice(1, -1), ctx);
  if (word.startsWith('"')) return JSON.parse(word);
  if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
  if (word === 'true' || word === 'false') return word === 'true';
  if (word === 'nil') return null;
  if (word === '.') return ctx.dot;
  if (word.startsWith('.')) return field(ctx.dot, word.slice(1).split('.'), word);
  if (word.startsWith('$')) {
    const [name, ...path] = word.slice(1).split('.');
    return field(name === '' ? ctx.root : ctx.scope.get(name), path, word);
  }
  if (word in FUNCTIONS) return FUNCTIONS[word]();
  throw new Error(`cannot evaluate ${word}`);
}

function evalPipeline(expr: string, ctx: Ctx): unknown {
  let result: unknown;
  splitTop(expr, /\|/).forEach((stage, i) => {
    const [head, ...rest] = splitTop(stage, /\s/);
    const piped = i > 0 ? [result] : [];
    if (head === 'include') {
      const [name, dot] = [...rest.map((w) => evalArg(w, ctx)), ...piped] as [string, unknown];
      const file = name.startsWith('herald/templates/') ? name.slice('herald/templates/'.length) : undefined;
      const body = file !== undefined ? trees[file] : defines.get(name);
      if (!body) throw new Error(`include: no template ${name}`);
      result = exec(body, { dot, root: dot, scope: new Scope() });
    } else if (head in FUNCTIONS) {
      result = FUNCTIONS[head](...rest.map((w) => evalArg(w, ctx)), ...piped);
    } else if (rest.length === 0 && i === 0) {
      result = evalArg(head, ctx);
    } else {
      throw new Error(`unsupported function ${head} in {{ ${expr} }}`);
    }
  });
  return result;
}

function exec(nodes: TemplateNode[], ctx: Ctx): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') {
      out += node.text;
    } else if (node.kind === 'action') {
      const assignment = /^\$(\w+)\s*(:?=)\s*([\s\S]+)$/.exec(node.expr);
      if (!assignment) out += str(evalPipeline(node.expr, ctx));
      else if (assignment[2] === ':=') ctx.scope.declare(assignment[1], evalPipeline(assignment[3], ctx));
      else ctx.scope.assign(assignment[1], evalPipeline(assignment[3], ctx));
    } else {
      out += execBlock(node, ctx);
    }
  }
  return out;
}

function execBlock(block: BlockNode, ctx: Ctx): string {
  const [first, ...others] = block.branches;
  const elseBody = others.find((b) => b.head === null)?.body ?? [];
  const inner = (dot: unknown): Ctx => ({ dot, root: ctx.root, scope: new Scope(ctx.scope) });
  if (block.type === 'if') {
    for (const branch of block.branches) {
      if (branch.head === null || truthy(evalPipeline(branch.head, ctx))) return exec(branch.body, inner(ctx.dot));
    }
    return '';
  }
  if (block.type === 'with') {
    const v = evalPipeline(first.head!, ctx);
    return truthy(v) ? exec(first.body, inner(v)) : exec(elseBody, inner(ctx.dot));
  }
  const [, keyVar, valueVar, source] = /^(?:\$(\w+)\s*(?:,\s*\$(\w+))?\s*:=\s*)?([\s\S]+)$/.exec(first.head!)!;
  const v = evalPipeline(source, ctx);
  const entries: [unknown, unknown][] = Array.isArray(v)
    ? v.map((item, i) => [i, item])
    : isMap(v)
      ? Object.keys(v)
          .sort()
          .map((k) => [k, v[k]])
      : [];
  if (entries.length === 0) return exec(elseBody, inner(ctx.dot));
  return entries
    .map(([k, item]) => {
      const c = inner(item);
      if (keyVar && valueVar) {
        c.scope.declare(keyVar, k);
        c.scope.declare(valueVar, item);
      } else if (keyVar) {
        c.scope.declare(keyVar, item);
      }
      return exec(first.body, c);
    })
    .join('');
}

function merge(base: unknown, override: unknown): unknown {
  if (!isMap(base) || !isMap(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = merge(base[k], v);
  return out;
}

const ajv = new Ajv({ allErrors: true });
const validateValues = ajv.compile(schema);

interface Rendered {
  manifests: any[];
  notes: string;
  byKind: (kind: string) => any[];
  one: (kind: string, name: string) => any;
}

/** Like `helm template herald deploy/helm/herald -f <overrides>`: schema check, then every template. */
function render(overrides: unknown = REQUIRED, release = { Name: 'herald', Namespace: 'herald' }): Rendered {
  const merged = merge(structuredClone(values), overrides);
  if (!validateValues(merged)) throw new Error(`values don't meet the schema: ${ajv.errorsText(validateValues.errors)}`);
  const root = {
    Values: merged,
    Release: { ...release, Service: 'Helm' },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
    Template: { BasePath: 'herald/templates' },
  };
  const run = (file: string): string => exec(trees[file], { dot: root, root, scope: new Scope() });
  const manifests: any[] = [];
  for (const file of templateFiles.filter((f) => /^[^_].*\.ya?ml$/.test(f))) {
    for (const doc of parseAllDocuments(run(file))) {
      if (doc.errors.length > 0) throw new Error(`${file} renders invalid YAML: ${doc.errors[0].message}`);
      const manifest = doc.toJS();
      if (manifest) manifests.push(manifest);
    }
  }
  const byKind = (kind: string): any[] => manifests.filter((m) => m.kind === kind);
  const one = (kind: string, name: string): any => {
    const found = byKind(kind).filter((m) => m.metadata?.name === name);
    if (found.length !== 1) throw new Error(`expected one ${kind} named ${name}, found ${found.length}`);
    return found[0];
  };
  return { manifests, notes: run('NOTES.txt'), byKind, one };
}

const fullValues = parse(read('ci/full-values.yaml'));

// ---------------------------------------------------------------------------------------------

describe('deploy/helm/herald Chart.yaml', () => {
  it('names the chart and its version', () => {
    expect(chart.apiVersion).toBe('v2');
    expect(chart.name).toBe('herald');
    expect(chart.version).toBe('0.1.0');
    expect(chart.appVersion).toBe('0.1.0');
    expect(typeof chart.description).toBe('string');
  });

  it('has NATS and PostgreSQL as optional dependencies, off by default', () => {
    const deps = Object.fromEntries((chart.dependencies as any[]).map((d) => [d.name, d]));
    expect(Object.keys(deps).sort()).toEqual(['nats', 'postgresql']);
    expect(deps.nats).toMatchObject({ repository: 'https://nats-io.github.io/k8s/helm/charts/', condition: 'nats.enabled' });
    expect(deps.nats.version).toMatch(/^1\./);
    expect(deps.postgresql).toMatchObject({ repository: 'oci://registry-1.docker.io/bitnamicharts', condition: 'postgresql.enabled' });
    expect(typeof deps.postgresql.version).toBe('string');
    expect(values.nats.enabled).toBe(false);
    expect(values.postgresql.enabled).toBe(false);
    expect(values.nats.config.jetstream).toMatchObject({ enabled: true, fileStore: { enabled: true } });
  });
});

describe('deploy/helm/herald values', () => {
  it('validates values.yaml and the ci values against values.schema.json (draft-07)', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(validateValues(values)).toBe(true);
    expect(validateValues.errors ?? []).toEqual([]);
    for (const file of readdirSync(join(chartDir, 'ci'))) {
      expect([file, validateValues(merge(structuredClone(values), parse(read(`ci/${file}`))))]).toEqual([file, true]);
    }
  });

  it.each([
    ['a replica count that is not a number', { apps: { ingest: { replicaCount: 'three' } } }, '/apps/ingest/replicaCount'],
    ['an unknown key in an app block', { apps: { dispatcher: { replicas: 2 } } }, '/apps/dispatcher'],
    ['a port out of range', { apps: { subscriptions: { port: 70000 } } }, '/apps/subscriptions/port'],
    ['no gRPC port for an app that serves gRPC', { apps: { ingest: { grpcPort: null } } }, '/apps/ingest/grpcPort'],
    ['an encryption key that is not 32 bytes of base64', { secrets: { encryptionKey: 'c2hvcnQ=' } }, '/secrets/encryptionKey'],
    ['an admin token under 16 characters', { secrets: { adminToken: 'short' } }, '/secrets/adminToken'],
    ['an unknown log level', { config: { logLevel: 'loud' } }, '/config/logLevel'],
    [
      'an ingress path to an app without HTTP routes',
      { ingress: { hosts: [{ host: 'x', paths: [{ path: '/', pathType: 'Prefix', app: 'dispatcher' }] }] } },
      '/ingress/hosts/0/paths/0/app',
    ],
  ])('rejects %s', (_what, override, path) => {
    expect(validateValues(merge(structuredClone(values), override))).toBe(false);
    expect(validateValues.errors?.map((e: any) => e.instancePath ?? e.dataPath)).toContainEqual(expect.stringContaining(path));
  });

  it('has one block per app with its port, resources and probes', () => {
    for (const app of APPS) {
      const block = values.apps[app.key];
      expect(block.port).toBe(app.port);
      expect(block.grpcPort).toBe(app.grpc?.port ?? null);
      expect(block.replicaCount).toBeGreaterThanOrEqual(1);
      expect(Object.keys(block.resources).sort()).toEqual(['limits', 'requests']);
      expect(Object.keys(block.probes).sort()).toEqual(['liveness', 'readiness', 'startup']);
      for (const key of ['podAnnotations', 'nodeSelector', 'tolerations', 'affinity']) expect(block).toHaveProperty(key);
    }
    expect(Object.keys(values.hpa).sort()).toEqual(['dispatcher', 'ingest']);
  });
});

describe('deploy/helm/herald templates', () => {
  /** values.yaml defines the path, or a map/list on the way that the user fills in. */
  function definedInValues(path: string[], base: unknown = values): boolean {
    let node = base;
    for (const segment of path) {
      if (Array.isArray(node)) return true;
      if (!isMap(node)) return false;
      if (!(segment in node)) return Object.keys(node).length === 0;
      node = node[segment];
    }
    return true;
  }

  it('references only .Values paths that values.yaml defines', () => {
    const refs = new Set<string>();
    for (const file of templateFiles) {
      for (const action of actionsOf(templates[file])) {
        for (const m of action.matchAll(/\$?\.Values((?:\.[A-Za-z_]\w*)*)/g)) refs.add(m[1].slice(1));
      }
    }
    expect(refs.size).toBeGreaterThan(40);
    expect([...refs].filter((ref) => !definedInValues(ref.split('.')))).toEqual([]);
    // The check itself can fail:
    expect(definedInValues(['apps', 'ingest', 'replicas'])).toBe(false);
    expect(definedInValues(['apps', 'ingest', 'podAnnotations', 'anything'])).toBe(true);
  });

  it('references only app fields every app block defines, through variables bound to .Values.apps/.Values.hpa entries', () => {
    const missing: string[] = [];
    for (const file of templateFiles) {
      const bound = new Map<string, string>();
      for (const action of actionsOf(templates[file])) {
        const indexed = /\$(\w+)\s*:=\s*index\s+\$?\.Values\.(\w+)\s+\$\w+/.exec(action);
        const ranged = /range\s+\$\w+\s*,\s*\$(\w+)\s*:=\s*\$?\.Values\.(\w+)\s*$/.exec(action);
        for (const m of [indexed, ranged]) if (m) bound.set(m[1], m[2]);
      }
      for (const action of actionsOf(templates[file])) {
        for (const m of action.matchAll(/\$(\w+)((?:\.[A-Za-z_]\w*)+)/g)) {
          const group = bound.get(m[1]);
          if (!group) continue;
          for (const [entry, block] of Object.entries(values[group] as Record<string, unknown>)) {
            if (!definedInValues(m[2].slice(1).split('.'), block)) missing.push(`${file}: $${m[1]}${m[2]} (${group}.${entry})`);
          }
        }
      }
      if (file === 'deployment.yaml') expect([...bound.values()].sort()).toEqual(['apps', 'hpa']);
    }
    expect(missing).toEqual([]);
  });

  it('uses $. for the root context inside range and with blocks', () => {
    const problems: string[] = [];
    for (const file of templateFiles) {
      const stack: string[] = [];
      for (const action of actionsOf(templates[file])) {
        const word = action.split(/\s+/, 1)[0];
        const rebound = stack.slice(stack.lastIndexOf('define') + 1).some((w) => w === 'range' || w === 'with');
        if (rebound && /(^|[^\w$)\]])\.(Values|Release|Chart|Template|Capabilities|Files)\b/.test(action))
          problems.push(`${file}: {{ ${action} }}`);
        if (['if', 'range', 'with', 'define'].includes(word)) stack.push(word);
        if (word === 'end') stack.pop();
      }
      expect([file, stack]).toEqual([file, []]);
    }
    expect(problems).toEqual([]);
  });
});

describe('deploy/helm/herald rendered', () => {
  let out: Rendered;
  let configMap: any;
  let secret: any;
  beforeAll(() => {
    out = render();
    [configMap] = out.byKind('ConfigMap');
    [secret] = out.byKind('Secret');
  });
  const hookWeight = (m: any): number => Number(m.metadata.annotations['helm.sh/hook-weight']);

  it('renders only the default set of resources', () => {
    const kinds = out.manifests.map((m) => m.kind).sort();
    expect(kinds).toEqual(
      [
        ...Array(4).fill('Deployment'),
        ...Array(4).fill('Service'),
        ...Array(4).fill('PodDisruptionBudget'),
        'ConfigMap',
        'Secret',
        'Job',
        'ServiceAccount',
      ].sort(),
    );
    for (const m of out.manifests) expect(m.metadata.labels['app.kubernetes.io/instance']).toBe('herald');
  });

  describe.each(APPS)('$component', (app) => {
    let deployment: any;
    let pod: any;
    let container: any;
    beforeAll(() => {
      deployment = out.one('Deployment', `herald-${app.component}`);
      pod = deployment.spec.template;
      container = pod.spec.containers[0];
    });
    const portOf = (port: unknown): unknown =>
      typeof port === 'string' ? container.ports.find((p: any) => p.name === port)?.containerPort : port;

    it('runs the app from the one image with its entry point and port', () => {
      expect(pod.spec.containers).toHaveLength(1);
      expect(container.image).toBe('herald:0.1.0');
      expect([...(container.command ?? []), ...(container.args ?? [])]).toEqual([
        'node',
        '--enable-source-maps',
        `dist/apps/${app.component}/src/main.js`,
      ]);
      const grpc = app.grpc ? [{ name: 'grpc', containerPort: app.grpc.port, protocol: 'TCP' }] : [];
      expect(container.ports).toEqual([{ name: 'http', containerPort: app.port, protocol: 'TCP' }, ...grpc]);
      expect(configMap.data[app.portEnv]).toBe(String(app.port));
      if (app.grpc) expect(configMap.data[app.grpc.portEnv]).toBe(String(app.grpc.port));
      expect(deployment.spec.replicas).toBe(values.apps[app.key].replicaCount);
    });

    it('probes /health/live and /health/ready on the app port', () => {
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      expect(portOf(container.livenessProbe.httpGet.port)).toBe(app.port);
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(portOf(container.readinessProbe.httpGet.port)).toBe(app.port);
      expect(container.startupProbe.httpGet.path).toBe('/health/live');
      expect(container.livenessProbe.periodSeconds).toBe(values.apps[app.key].probes.liveness.periodSeconds);
    });

    it('reads the ConfigMap and the Secret, with resources and a locked-down security context', () => {
      expect(container.envFrom).toEqual([
        { configMapRef: { name: configMap.metadata.name } },
        { secretRef: { name: secret.metadata.name } },
      ]);
      expect(container.env).toContainEqual({ name: 'OTEL_SERVICE_NAME', value: `herald-${app.component}` });
      expect(container.resources).toEqual(values.apps[app.key].resources);
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        runAsNonRoot: true,
      });
      expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(pod.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    });

    it('has a Service and a PodDisruptionBudget selecting its pods', () => {
      const service = out.one('Service', `herald-${app.component}`);
      const grpc = app.grpc ? [{ name: 'grpc', port: app.grpc.port, targetPort: 'grpc', protocol: 'TCP' }] : [];
      expect(service.spec.ports).toEqual([{ name: 'http', port: app.port, targetPort: 'http', protocol: 'TCP' }, ...grpc]);
      expect(pod.metadata.labels).toMatchObject(service.spec.selector);
      expect(deployment.spec.selector.matchLabels).toEqual(service.spec.selector);
      expect(service.spec.selector['app.kubernetes.io/component']).toBe(app.component);
      const pdb = out.one('PodDisruptionBudget', `herald-${app.component}`);
      expect(pdb.apiVersion).toBe('policy/v1');
      expect(pdb.spec.selector.matchLabels).toEqual(service.spec.selector);
      expect(pdb.spec.minAvailable).toBe(1);
    });
  });

  it('puts the non-secret settings in the ConfigMap', () => {
    expect(configMap.data).toMatchObject({
      NATS_URL: 'nats://nats:4222',
      HERALD_ALLOW_PRIVATE_NETWORKS: 'false',
      HERALD_MAX_PAYLOAD_BYTES: '262144',
      HERALD_NATS_NAMESPACE: '',
      HERALD_DISABLE_AFTER_HOURS: '120',
      HERALD_ACK_WAIT_SECONDS: '30',
      LOG_LEVEL: 'info',
      HOST: '0.0.0.0',
    });
    expect(Object.values(configMap.data).every((v) => typeof v === 'string')).toBe(true);
    const big = render(merge(REQUIRED, { config: { maxPayloadBytes: 16777216, otel: { endpoint: 'http://otel:4318' } } }));
    expect(big.byKind('ConfigMap')[0].data).toMatchObject({
      HERALD_MAX_PAYLOAD_BYTES: '16777216',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318',
    });
  });

  it('puts the secrets in the Secret', () => {
    const decoded = Object.fromEntries(
      Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
    expect(decoded).toEqual({
      HERALD_ADMIN_TOKEN: REQUIRED.secrets.adminToken,
      HERALD_ENCRYPTION_KEY: ENCRYPTION_KEY,
      DATABASE_URL: REQUIRED.secrets.databaseUrl,
    });
    expect(JSON.stringify(configMap.data)).not.toContain(REQUIRED.secrets.adminToken);
  });

  it('migrates in a pre-install,pre-upgrade hook Job after the ConfigMap and Secret hooks exist', () => {
    const [job] = out.byKind('Job');
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.metadata.annotations).toMatchObject({
      'helm.sh/hook': 'pre-install,pre-upgrade',
      'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
    });
    const container = job.spec.template.spec.containers[0];
    expect([...(container.command ?? []), ...(container.args ?? [])]).toEqual(['node', 'dist/scripts/migrate.js']);
    expect(container.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }, { secretRef: { name: secret.metadata.name } }]);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBe(values.migrations.backoffLimit);
    expect(container.resources).toEqual(values.migrations.resources);
    for (const hook of [configMap, secret]) {
      expect(hook.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      expect(hookWeight(hook)).toBeLessThan(hookWeight(job));
    }
    expect(render(merge(REQUIRED, { migrations: { enabled: false } })).byKind('Job')).toEqual([]);
  });

  it('renders Ingress, ServiceMonitor and HPAs only when enabled', () => {
    for (const kind of ['Ingress', 'ServiceMonitor', 'HorizontalPodAutoscaler']) expect(out.byKind(kind)).toEqual([]);
    const full = render(merge(REQUIRED, fullValues));
    const services = full.byKind('Service');

    const [ingress] = full.byKind('Ingress');
    expect(ingress.apiVersion).toBe('networking.k8s.io/v1');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.tls[0].secretName).toBe('herald-tls');
    const routes = ingress.spec.rules.flatMap((rule: any) => rule.http.paths.map((p: any) => [rule.host, p.path, p.backend.service.name]));
    expect(routes).toEqual([
      ['api.herald.example.com', '/', 'herald-subscriptions'],
      ['ingest.herald.example.com', '/', 'herald-ingest'],
      ['live.herald.example.com', '/ws', 'herald-realtime-gateway'],
    ]);
    for (const rule of ingress.spec.rules) {
      for (const p of rule.http.paths) {
        const service = services.find((s) => s.metadata.name === p.backend.service.name);
        expect(service.spec.ports.map((port: any) => port.name)).toContain(p.backend.service.port.name);
      }
    }

    const [monitor] = full.byKind('ServiceMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    const selected = services.filter(
      (s) =>
        Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels[k] === v) &&
        monitor.spec.selector.matchExpressions.every((e: any) => e.values.includes(s.metadata.labels[e.key])),
    );
    expect(selected.map((s) => s.spec.ports[0].port).sort()).toEqual([8080, 8081, 8082, 8083]);
    expect(selected.every((s) => s.spec.ports[0].name === 'http')).toBe(true);

    const hpas = full.byKind('HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.metadata.name).sort()).toEqual(['herald-dispatcher', 'herald-ingest']);
    for (const hpa of hpas) {
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: hpa.metadata.name });
      expect(hpa.spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } });
      // The HPA owns the replica count.
      expect(full.one('Deployment', hpa.metadata.name).spec.replicas).toBeUndefined();
    }
    expect(full.one('Deployment', 'herald-subscriptions').spec.replicas).toBe(2);
  });

  it('uses an existing Secret instead of creating one', () => {
    const existing = render({ secrets: { existingSecret: 'herald-env' } });
    expect(existing.byKind('Secret')).toEqual([]);
    expect(existing.byKind('ConfigMap')[0].data.NATS_URL).toBeUndefined();
    for (const m of [...existing.byKind('Deployment'), ...existing.byKind('Job')]) {
      expect(m.spec.template.spec.containers[0].envFrom).toContainEqual({ secretRef: { name: 'herald-env' } });
    }
  });

  it('refuses to render without the required settings', () => {
    expect(() => render({ config: REQUIRED.config })).toThrow(/secrets\.adminToken is required/);
    expect(() => render(merge(REQUIRED, { secrets: { databaseUrl: '' } }))).toThrow(/secrets\.databaseUrl is required/);
    expect(() => render(merge(REQUIRED, { config: { natsUrl: '' } }))).toThrow(/config\.natsUrl is required/);
    expect(() => render(merge(REQUIRED, { apps: { ingest: { replicaCount: 'three' } } }))).toThrow(/schema/);
  });

  it('points at the bundled NATS and PostgreSQL when enabled, migrating post-install', () => {
    const bundled = render({
      secrets: { adminToken: REQUIRED.secrets.adminToken, encryptionKey: ENCRYPTION_KEY },
      nats: { enabled: true },
      postgresql: { enabled: true, auth: { password: 'pw123' } },
    });
    expect(bundled.byKind('ConfigMap')[0].data.NATS_URL).toBe('nats://herald-nats:4222');
    expect(Buffer.from(bundled.byKind('Secret')[0].data.DATABASE_URL, 'base64').toString()).toBe(
      'postgres://herald:pw123@herald-postgresql:5432/herald',
    );
    expect(bundled.byKind('Job')[0].metadata.annotations['helm.sh/hook']).toBe('post-install,pre-upgrade');
  });

  it('has NOTES naming every app and its ports', () => {
    for (const app of APPS) {
      const grpc = app.grpc ? `, gRPC ${app.grpc.port}` : '';
      expect(out.notes).toContain(`herald-${app.component}  port ${app.port}${grpc}  (`);
    }
  });
});
