// Request bodies decoded as dockerd decodes them: Go's encoding/json (Go 1.24, the toolchain of Docker 28) into
// Docker's Go types. A body is first checked as a whole for syntax (json.Decoder reads one complete value before
// it stores anything), then stored into a `GoType` schema with Go's rules: keys match fields case-insensitively,
// unknown keys are ignored, `null` leaves a value at its zero (nil for pointers, slices and maps), a mismatch is an
// UnmarshalTypeError naming the struct and the field path (embedded structs included, as Go 1.24 does), the first
// one wins and decoding goes on, except an error from a custom unmarshaler (StrSlice), which stops it.
import { EngineError } from '../errors.ts';

/** A JSON number as written: Go parses the literal, so `1.0` or `1e3` is not an int64. */
class JsonNumber {
  constructor(readonly literal: string) {}
}
/** An object with its keys in order (duplicates kept: Go stores them one after another). */
class JsonObject {
  constructor(readonly entries: [string, JsonValue][]) {}
}
type JsonValue = null | boolean | string | JsonNumber | JsonObject | JsonValue[];

/** Go's encoding/json error texts, as dockerd returns them (it prefixes "invalid JSON: "). */
export class GoJsonError extends Error {
  constructor(
    message: string,
    /** io.EOF: the body held no value at all */
    readonly eof = false,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Syntax: json.Decoder's scanner, with its messages.

/** Go's quoteChar: the offending byte as Go prints it in a SyntaxError. */
function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const escapes: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\v': '\\v' };
  const code = c.charCodeAt(0);
  const text = escapes[c] ?? (code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : c);
  return `'${text}'`;
}

class Scanner {
  #i = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.#i >= this.text.length;
  }

  skipSpace(): void {
    while (this.#i < this.text.length && ' \t\r\n'.includes(this.text[this.#i] as string)) this.#i++;
  }

  peek(): string | undefined {
    return this.text[this.#i];
  }

  #fail(context: string): never {
    const c = this.text[this.#i];
    if (c === undefined) throw new GoJsonError('unexpected EOF');
    throw new GoJsonError(`invalid character ${quoteChar(c)} ${context}`);
  }

  value(): JsonValue {
    this.skipSpace();
    const c = this.peek();
    if (c === '{') return this.#object();
    if (c === '[') return this.#array();
    if (c === '"') return this.#string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.#number();
    if (c === 't') return this.#literal('true', true);
    if (c === 'f') return this.#literal('false', false);
    if (c === 'n') return this.#literal('null', null);
    return this.#fail('looking for beginning of value');
  }

  #literal<T>(word: string, value: T): T {
    for (let k = 0; k < word.length; k++, this.#i++) {
      if (this.text[this.#i] !== word[k]) this.#fail(`in literal ${word} (expecting ${quoteChar(word[k] as string)})`);
    }
    return value;
  }

  #object(): JsonObject {
    this.#i++;
    const entries: [string, JsonValue][] = [];
    this.skipSpace();
    if (this.peek() === '}') {
      this.#i++;
      return new JsonObject(entries);
    }
    for (;;) {
      this.skipSpace();
      if (this.peek() !== '"') this.#fail('looking for beginning of object key string');
      const key = this.#string();
      this.skipSpace();
      if (this.peek() !== ':') this.#fail('after object key');
      this.#i++;
      entries.push([key, this.value()]);
      this.skipSpace();
      const c = this.peek();
      this.#i++;
      if (c === '}') return new JsonObject(entries);
      if (c !== ',') {
        this.#i--;
        this.#fail('after object key:value pair');
      }
    }
  }

  #array(): JsonValue[] {
    this.#i++;
    const items: JsonValue[] = [];
    this.skipSpace();
    if (this.peek() === ']') {
      this.#i++;
      return items;
    }
    for (;;) {
      items.push(this.value());
      this.skipSpace();
      const c = this.peek();
      this.#i++;
      if (c === ']') return items;
      if (c !== ',') {
        this.#i--;
        this.#fail('after array element');
      }
    }
  }

  #string(): string {
    this.#i++;
    let out = '';
    for (;;) {
      const c = this.text[this.#i];
      if (c === undefined) this.#fail('');
      if (c === '"') {
        this.#i++;
        return out;
      }
      if (c.charCodeAt(0) < 0x20) this.#fail('in string literal');
      if (c !== '\\') {
        out += c;
        this.#i++;
        continue;
      }
      this.#i++;
      const e = this.text[this.#i];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && e in simple) {
        out += simple[e];
        this.#i++;
      } else if (e === 'u') {
        this.#i++;
        let hex = '';
        for (let k = 0; k < 4; k++, this.#i++) {
          const h = this.text[this.#i];
          if (h === undefined || !/[0-9a-fA-F]/.test(h)) this.#fail('in \\u hexadecimal character escape');
          hex += h;
        }
        out += String.fromCharCode(parseInt(hex, 16));
      } else this.#fail('in string escape code');
    }
  }

  #number(): JsonNumber {
    const start = this.#i;
    const digit = () => {
      const c = this.peek();
      return c !== undefined && c >= '0' && c <= '9';
    };
    if (this.peek() === '-') {
      this.#i++;
      if (!digit()) this.#fail('in numeric literal');
    }
    if (this.peek() === '0') this.#i++;
    else while (digit()) this.#i++;
    if (this.peek() === '.') {
      this.#i++;
      if (!digit()) this.#fail('after decimal point in numeric literal');
      while (digit()) this.#i++;
    }
    if (this.peek() === 'e' || this.peek() === 'E') {
      this.#i++;
      if (this.peek() === '+' || this.peek() === '-') this.#i++;
      if (!digit()) this.#fail('in exponent of numeric literal');
      while (digit()) this.#i++;
    }
    return new JsonNumber(this.text.slice(start, this.#i));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Types: how each Go type stores a JSON value.

/** Where the decoder is, for an UnmarshalTypeError: the innermost struct's name and the field path to here. */
interface ErrorContext {
  struct: string | undefined;
  fields: string[];
}

class DecodeState {
  context: ErrorContext = { struct: undefined, fields: [] };
  saved: GoJsonError | undefined;

  typeError(value: string, type: string): GoJsonError {
    const { struct, fields } = this.context;
    if (struct === undefined && fields.length === 0) return new GoJsonError(`json: cannot unmarshal ${value} into Go value of type ${type}`);
    return new GoJsonError(`json: cannot unmarshal ${value} into Go struct field ${struct ?? ''}.${fields.join('.')} of type ${type}`);
  }

  /** Go's saveError: the first mismatch is reported, the rest of the value is still stored. */
  save(value: string, type: string): void {
    this.saved ??= this.typeError(value, type);
  }
}

/** Marks "leave the field at its zero value" (JSON null into a non-nilable type, or a mismatch). */
const ZERO: unique symbol = Symbol('zero');
type Stored<T> = T | typeof ZERO;

export interface GoType<T> {
  /** the type as Go's reflect.Type.String() prints it (`int64`, `[]string`, `container.RestartPolicyMode`) */
  readonly name: string;
  /** Go's zero value, for a null or mismatched element of a slice, array or map */
  readonly zero: T;
  store(value: JsonValue, state: DecodeState): Stored<T>;
}

function kindOf(value: JsonValue): string {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  if (value instanceof JsonNumber) return 'number';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

/** A mismatch: saved, and the target keeps its zero value. */
function mismatch(value: JsonValue, type: string, state: DecodeState): typeof ZERO {
  state.save(kindOf(value), type);
  return ZERO;
}

export function goString(name = 'string'): GoType<string> {
  return { name, zero: '', store: (v, s) => (v === null ? ZERO : typeof v === 'string' ? v : mismatch(v, name, s)) };
}

export const goBool: GoType<boolean> = { name: 'bool', zero: false, store: (v, s) => (v === null ? ZERO : typeof v === 'boolean' ? v : mismatch(v, 'bool', s)) };

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int: [-(2n ** 63n), 2n ** 63n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint: [0n, 2n ** 64n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint16: [0n, 2n ** 16n - 1n],
};

/** Go's integer kinds: the literal must be an integer in range (ParseInt / ParseUint), else "number <literal>". */
export function goInt(name: 'int' | 'int64' | 'int32' | 'uint' | 'uint64' | 'uint32' | 'uint16'): GoType<number> {
  const [min, max] = INT_RANGES[name] as [bigint, bigint];
  return {
    name,
    zero: 0,
    store(v, s) {
      if (v === null) return ZERO;
      if (!(v instanceof JsonNumber)) return mismatch(v, name, s);
      if (!/^-?\d+$/.test(v.literal) || BigInt(v.literal) < min || BigInt(v.literal) > max) {
        s.save(`number ${v.literal}`, name);
        return ZERO;
      }
      return Number(v.literal);
    },
  };
}

export const goFloat64: GoType<number> = {
  name: 'float64',
  zero: 0,
  store: (v, s) => (v === null ? ZERO : v instanceof JsonNumber ? Number(v.literal) : mismatch(v, 'float64', s)),
};

/** interface{}: any JSON value, as plain JavaScript. */
export const goAny: GoType<unknown> = { name: 'interface {}', zero: null, store: (v) => plain(v) };

function plain(v: JsonValue): unknown {
  if (v instanceof JsonNumber) return Number(v.literal);
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof JsonObject) return Object.fromEntries(v.entries.map(([k, x]) => [k, plain(x)]));
  return v;
}

/** A slice: null is nil; a null element is the element's zero value. */
export function goSlice<T>(elem: GoType<T>, name = `[]${elem.name}`): GoType<T[] | null> {
  return {
    name,
    zero: null,
    store(v, s) {
      if (v === null) return null;
      if (!Array.isArray(v)) return mismatch(v, name, s);
      return v.map((x) => {
        const stored = elem.store(x, s);
        return stored === ZERO ? elem.zero : stored;
      });
    },
  };
}

/** A fixed-size array (`[2]uint`): extra elements are dropped, missing ones are zero. */
export function goArray<T>(elem: GoType<T>, length: number): GoType<T[]> {
  const name = `[${length}]${elem.name}`;
  return {
    name,
    zero: Array.from({ length }, () => elem.zero),
    store(v, s) {
      if (v === null) return ZERO;
      if (!Array.isArray(v)) return mismatch(v, name, s);
      return Array.from({ length }, (_, k) => {
        const x = v[k];
        const stored = x === undefined ? ZERO : elem.store(x, s);
        return stored === ZERO ? elem.zero : stored;
      });
    },
  };
}

/** A map with string keys. */
export function goMap<T>(elem: GoType<T>, name = `map[string]${elem.name}`): GoType<Record<string, T> | null> {
  return {
    name,
    zero: null,
    store(v, s) {
      if (v === null) return null;
      if (!(v instanceof JsonObject)) return mismatch(v, name, s);
      const out: Record<string, T> = {};
      for (const [k, x] of v.entries) {
        const stored = elem.store(x, s);
        out[k] = stored === ZERO ? elem.zero : stored;
      }
      return out;
    },
  };
}

/** A pointer: null is nil; anything else is stored into the pointed-to type (whose name errors show). */
export function goPtr<T>(elem: GoType<T>): GoType<T | null> {
  return { name: elem.name, zero: null, store: (v, s) => (v === null ? null : elem.store(v, s)) };
}

/**
 * strslice.StrSlice, a custom unmarshaler: a string is a one-element list, a list of strings is itself. Anything
 * else fails as its fallback `json.Unmarshal(b, &string)` does, and that error stops the whole decode.
 */
export const strSlice: GoType<string[] | null> = {
  name: 'strslice.StrSlice',
  zero: null,
  store(v, s) {
    if (v === null) return null;
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && v.every((x) => x === null || typeof x === 'string')) return v.map((x) => x ?? '');
    throw s.typeError(kindOf(v), 'string');
  },
};

export interface GoField {
  type: GoType<unknown>;
  /** the JSON key when a `json:"..."` tag renames the Go field */
  json?: string;
}

/** A struct's fields by Go name; an embedded struct is `{ embedded: type }` under its type's name. */
export type GoFields = Record<string, GoType<unknown> | GoField | { embedded: GoStruct<unknown> }>;

export interface GoStruct<T> extends GoType<T> {
  /** JSON key -> the Go names of the embedded structs on the way, then the field's own name, and its type */
  readonly keys: Map<string, { path: string[]; type: GoType<unknown> }>;
}

/**
 * A struct named `pkg.Name`. Keys match exactly first, then case-insensitively (Go's fold); unknown keys are
 * skipped. The result holds the JSON keys that were present (nil pointers, slices and maps as null).
 */
export function goStruct<T>(name: string, fields: GoFields): GoStruct<T> {
  const short = name.slice(name.lastIndexOf('.') + 1);
  const keys = new Map<string, { path: string[]; type: GoType<unknown> }>();
  for (const [goName, f] of Object.entries(fields)) {
    if ('embedded' in f) {
      for (const [k, inner] of f.embedded.keys) if (!keys.has(k)) keys.set(k, { path: [goName, ...inner.path], type: inner.type });
    } else if ('store' in f) keys.set(goName, { path: [goName], type: f });
    else keys.set(f.json ?? goName, { path: [goName], type: f.type });
  }
  const folded = new Map([...keys.keys()].map((k) => [k.toLowerCase(), k]));
  return {
    name,
    keys,
    zero: {} as T,
    store(v, s) {
      if (v === null) return ZERO;
      if (!(v instanceof JsonObject)) return mismatch(v, name, s);
      const out: Record<string, unknown> = {};
      for (const [rawKey, x] of v.entries) {
        const key = keys.has(rawKey) ? rawKey : folded.get(rawKey.toLowerCase());
        const field = key === undefined ? undefined : keys.get(key);
        if (key === undefined || field === undefined) continue;
        const outer = s.context;
        // Go 1.24: the embedded structs' Go names, then the field's JSON name; the struct is the one decoding
        s.context = { struct: short, fields: [...outer.fields, ...field.path.slice(0, -1), key] };
        const stored = field.type.store(x, s);
        s.context = outer;
        if (stored !== ZERO) out[key] = stored;
      }
      return out as T;
    },
  };
}

/**
 * Decodes `text` into `type` as dockerd's request readers do: json.Decoder.Decode, then `dec.More()` refuses
 * trailing content. With `unmarshal`, as json.Unmarshal does (query parameters such as `buildargs`): the whole
 * text must be one value. Throws GoJsonError with Go's message (`eof` when a Decoder found no value).
 */
export function decodeGoJson<T>(text: string, type: GoType<T>, options: { unmarshal?: boolean } = {}): T | undefined {
  const scanner = new Scanner(text);
  scanner.skipSpace();
  if (scanner.done) throw options.unmarshal ? new GoJsonError('unexpected end of JSON input') : new GoJsonError('EOF', true);
  let value: JsonValue;
  try {
    value = scanner.value();
  } catch (e) {
    if (options.unmarshal && e instanceof GoJsonError && e.message === 'unexpected EOF') throw new GoJsonError('unexpected end of JSON input');
    throw e;
  }
  scanner.skipSpace();
  const next = scanner.peek();
  if (options.unmarshal && next !== undefined) throw new GoJsonError(`invalid character ${quoteChar(next)} after top-level value`);
  // dec.More() is false at the end and before a closing bracket
  if (next !== undefined && next !== ']' && next !== '}') throw new GoJsonError('unexpected content after JSON');
  const state = new DecodeState();
  const stored = type.store(value, state);
  if (state.saved) throw state.saved;
  return stored === ZERO ? undefined : stored;
}

/**
 * A request's JSON body decoded into `type`, or EngineError INVALID_ARGUMENT (400) with dockerd's message:
 * "invalid JSON: <Go's error>". An empty body is `undefined` where dockerd's ReadJSON allows it (`emptyOk`).
 */
export async function readJsonBody<T>(request: Request, type: GoType<T>, options: { emptyOk?: boolean } = {}): Promise<T | undefined> {
  const text = await request.text();
  const contentType = request.headers.get('Content-Type');
  if (text.length > 0 && contentType !== null && contentType.split(';')[0]?.trim().toLowerCase() !== 'application/json') {
    throw new EngineError('INVALID_ARGUMENT', `unsupported Content-Type header (${contentType}): must be 'application/json'`);
  }
  if (text.length === 0 && options.emptyOk) return undefined;
  try {
    return decodeGoJson(text, type);
  } catch (e) {
    if (!(e instanceof GoJsonError)) throw e;
    if (e.message === 'unexpected content after JSON') throw new EngineError('INVALID_ARGUMENT', e.message);
    if (e.eof) throw new EngineError('INVALID_ARGUMENT', 'invalid JSON: got EOF while reading request body');
    throw new EngineError('INVALID_ARGUMENT', `invalid JSON: ${e.message}`);
  }
}
