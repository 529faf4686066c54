// A small subset of Go's text/template for `--format`: fields (`.Config.Cmd`), `json`, `join`, `upper`,
// `lower`, `title`, `split`, `index`, `println`, `truncate`, pipes, `range`/`if`/`else`/`with`/`end`, `{{-` trims.
// Values print as Go prints them (`[sh]`, `map[a:b]`, integers as integers).

type Value = unknown;
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: string }
  | { kind: 'block'; keyword: 'range' | 'if' | 'with'; pipeline: string; body: Node[]; elseBody: Node[] };

export class TemplateError extends Error {
  /** the docker CLI exits 64 on a template that does not parse */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function parseTemplate(source: string): Node[] {
  const tokens: ({ text: string } | { action: string })[] = [];
  let rest = source;
  while (rest.length) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      tokens.push({ text: rest });
      break;
    }
    let text = rest.slice(0, open);
    const close = rest.indexOf('}}', open);
    if (close < 0) throw new TemplateError(`template parsing error: template: :1: unclosed action`, 64);
    let inner = rest.slice(open + 2, close);
    rest = rest.slice(close + 2);
    if (inner.startsWith('- ')) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(2);
    }
    if (inner.endsWith(' -')) {
      inner = inner.slice(0, -2);
      rest = rest.replace(/^\s+/, '');
    }
    if (text) tokens.push({ text });
    tokens.push({ action: inner.trim() });
  }
  let pos = 0;
  const parseList = (inBlock: boolean): { nodes: Node[]; ended: 'end' | 'else' | 'eof' } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++] as { text: string } | { action: string };
      if ('text' in t) {
        nodes.push({ kind: 'text', text: t.text });
        continue;
      }
      const a = t.action;
      if (a === 'end') return { nodes, ended: 'end' };
      if (a === 'else') return { nodes, ended: 'else' };
      const m = /^(range|if|with)\s+(.*)$/.exec(a);
      if (m) {
        const body = parseList(true);
        let elseBody: Node[] = [];
        if (body.ended === 'else') {
          const e = parseList(true);
          if (e.ended !== 'end') throw new TemplateError(`template parsing error: template: :1: unexpected EOF`, 64);
          elseBody = e.nodes;
        } else if (body.ended !== 'end') throw new TemplateError(`template parsing error: template: :1: unexpected EOF`, 64);
        nodes.push({ kind: 'block', keyword: m[1] as 'range' | 'if' | 'with', pipeline: m[2] as string, body: body.nodes, elseBody });
        continue;
      }
      if (a.startsWith('/*')) continue;
      nodes.push({ kind: 'action', pipeline: a });
    }
    if (inBlock) throw new TemplateError(`template parsing error: template: :1: unexpected EOF`, 64);
    return { nodes, ended: 'eof' };
  };
  const { nodes, ended } = parseList(false);
  if (ended !== 'eof') throw new TemplateError(`template parsing error: template: :1: unexpected {{${ended}}}`, 64);
  return nodes;
}

/** Template variables: `$` (the data the template started with) and those a `range $k, $v := ...` declares. */
type Vars = Record<string, Value>;

export function executeTemplate(nodes: Node[], data: Value, vars: Vars = { $: data }): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'action') out += goString(evalPipeline(node.pipeline, data, vars));
    else {
      // `range $v := PIPELINE` and `range $k, $v := PIPELINE` (keys of a map, indexes of a list)
      const decl = node.keyword === 'range' ? /^\$(\w+)\s*(?:,\s*\$(\w+)\s*)?:=\s*(.*)$/.exec(node.pipeline) : null;
      const value = evalPipeline(decl ? (decl[3] as string) : node.pipeline, data, vars);
      if (node.keyword === 'range') {
        const entries: [Value, Value][] = Array.isArray(value)
          ? value.map((v, i) => [i, v])
          : value && typeof value === 'object'
            ? Object.keys(value).sort().map((k) => [k, (value as Record<string, Value>)[k]])
            : [];
        if (entries.length === 0) out += executeTemplate(node.elseBody, data, vars);
        for (const [key, item] of entries) {
          const scope = !decl ? vars : decl[2] ? { ...vars, [`$${decl[1]}`]: key, [`$${decl[2]}`]: item } : { ...vars, [`$${decl[1]}`]: item };
          out += executeTemplate(node.body, item, scope);
        }
      } else if (truthy(value)) out += executeTemplate(node.body, node.keyword === 'with' ? value : data, vars);
      else out += executeTemplate(node.elseBody, data, vars);
    }
  }
  return out;
}

export function renderTemplate(source: string, data: Value): string {
  return executeTemplate(parseTemplate(source), data);
}

/** Docker API fields that are maps (a nil one prints `map[]`). */
const MAP_FIELDS = new Set(['Labels', 'Volumes', 'ExposedPorts', 'Data', 'Options', 'Annotations']);

const FUNCS: Record<string, (...args: Value[]) => Value> = {
  json: (v) => JSON.stringify(v ?? null),
  join: (v, sep) => (Array.isArray(v) ? v.map(goString).join(String(sep)) : goString(v)),
  upper: (v) => goString(v).toUpperCase(),
  lower: (v) => goString(v).toLowerCase(),
  title: (v) => goString(v).replace(/\b\w/g, (c) => c.toUpperCase()),
  split: (v, sep) => goString(v).split(String(sep)),
  index: (v, ...keys) => keys.reduce<Value>((acc, k) => (acc && typeof acc === 'object' ? (acc as Record<string, Value>)[String(k)] : undefined), v),
  println: (...vs) => `${vs.map(goString).join(' ')}\n`,
  print: (...vs) => vs.map(goString).join(''),
  truncate: (v, n) => [...goString(v)].slice(0, Number(n)).join(''),
  len: (v) => (Array.isArray(v) ? v.length : typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
};

function evalPipeline(pipeline: string, data: Value, vars: Vars): Value {
  const stages = splitOutside(pipeline, '|');
  let value: Value = undefined;
  stages.forEach((stage, i) => {
    const words = tokenize(stage.trim());
    const extra = i > 0 ? [value] : [];
    value = evalCommand(words, data, extra, vars);
  });
  return value;
}

function evalCommand(words: string[], data: Value, piped: Value[], vars: Vars): Value {
  const [head, ...rest] = words;
  if (head === undefined) throw new TemplateError('template: :1: missing value for command');
  const fn = FUNCS[head];
  if (fn) return fn(...rest.map((w) => evalOperand(w, data, vars)), ...piped);
  if (rest.length || piped.length) throw new TemplateError(`template: :1: function "${head}" not defined`);
  return evalOperand(head, data, vars);
}

function evalOperand(word: string, data: Value, vars: Vars): Value {
  if (word.startsWith('$')) {
    const dot = word.indexOf('.');
    const name = dot < 0 ? word : word.slice(0, dot);
    if (!(name in vars)) throw new TemplateError(`template: :1: undefined variable "${name}"`);
    return dot < 0 ? vars[name] : evalOperand(word.slice(dot), vars[name], vars);
  }
  if (word.startsWith('"')) return JSON.parse(word) as string;
  if (word.startsWith('`')) return word.slice(1, -1);
  if (/^-?\d+$/.test(word)) return Number(word);
  if (word === 'true' || word === 'false') return word === 'true';
  if (word === '.') return data;
  if (word.startsWith('.')) {
    let value: Value = data;
    const fields = word.slice(1).split('.');
    for (const field of fields) {
      if (value === null || value === undefined) return undefined;
      if (typeof value !== 'object') throw new TemplateError(`template: :1: can't evaluate field ${field} in type ${typeof value}`);
      if (!(field in (value as object)) && !Array.isArray(value)) {
        throw new TemplateError(`template: :1: executing "" at <${word}>: map has no entry for key "${field}"`);
      }
      value = (value as Record<string, Value>)[field];
    }
    // Go prints a nil map as `map[]` and a nil slice as `[]`; JSON has only null for both.
    if (value === null && MAP_FIELDS.has(fields.at(-1) as string)) return {};
    return value;
  }
  if (FUNCS[word]) return FUNCS[word]();
  throw new TemplateError(`template: :1: function "${word}" not defined`);
}

function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /"(?:[^"\\]|\\.)*"|`[^`]*`|\S+/g;
  for (const m of text.matchAll(re)) out.push(m[0]);
  return out;
}

function splitOutside(text: string, sep: string): string[] {
  const parts: string[] = [];
  let quote = '';
  let current = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = '';
      current += ch;
    } else if (ch === '"' || ch === '`') {
      quote = ch;
      current += ch;
    } else if (ch === sep) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function truthy(v: Value): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

/** Go's %v for JSON-shaped values. */
export function goString(v: Value): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '[]';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  const entries = Object.entries(v as Record<string, Value>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[${entries.map(([k, x]) => `${k}:${goString(x)}`).join(' ')}]`;
}
