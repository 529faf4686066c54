// Compose's variable substitution (compose-spec interpolation.md, compose-go template/template.go): `$VAR`,
// `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}`, `$$`.
import { EngineError } from '../errors.ts';

export type Lookup = (name: string) => string | undefined;

export interface Interpolated {
  value: string;
  /** names used without a value nor a default: Compose warns and substitutes "" */
  unset: string[];
}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;

/** Substitutes one string; `path` (e.g. `services.web.image`) names it in errors, as compose-go does. */
export function interpolate(text: string, lookup: Lookup, path: string): Interpolated {
  const unset: string[] = [];
  const fail = (message: string): never => {
    throw new EngineError('INVALID_ARGUMENT', `error while interpolating ${path}: ${message}`);
  };
  const invalid = (): never => {
    throw new EngineError('INVALID_ARGUMENT', `invalid interpolation format for ${path}.\nYou may need to escape any $ with another $.\n${text}`);
  };

  // Returns the substituted text and the index after what was consumed; stops at `until` (a closing brace).
  const expand = (start: number, nested: boolean): [string, number] => {
    let out = '';
    let i = start;
    while (i < text.length) {
      const ch = text[i];
      if (nested && ch === '}') return [out, i];
      if (ch !== '$') {
        out += ch;
        i++;
        continue;
      }
      const next = text[i + 1];
      if (next === '$') {
        out += '$';
        i += 2;
        continue;
      }
      if (next === '{') {
        const [value, end] = braced(i + 2);
        out += value;
        i = end;
        continue;
      }
      const name = NAME.exec(text.slice(i + 1))?.[0];
      if (name === undefined) {
        out += '$';
        i++;
        continue;
      }
      out += valueOf(name);
      i += 1 + name.length;
    }
    if (nested) invalid();
    return [out, i];
  };

  const valueOf = (name: string): string => {
    const v = lookup(name);
    if (v === undefined) {
      if (!unset.includes(name)) unset.push(name);
      return '';
    }
    return v;
  };

  // `${` at start-2: NAME, then `}` or an operator and a nested word up to the matching `}`.
  const braced = (start: number): [string, number] => {
    const name = NAME.exec(text.slice(start))?.[0];
    if (name === undefined) invalid();
    let i = start + (name as string).length;
    const n = name as string;
    if (text[i] === '}') return [valueOf(n), i + 1];
    const op = text.startsWith(':-', i) || text.startsWith(':?', i) || text.startsWith(':+', i) ? text.slice(i, i + 2) : text[i];
    if (op === undefined || ![':-', ':?', ':+', '-', '?', '+'].includes(op)) invalid();
    i += (op as string).length;
    // the word is only expanded when it is used, as in a shell (a default that is not needed warns about nothing)
    const savedUnset = unset.length;
    const [word, end] = expand(i, true);
    const v = lookup(n);
    const colon = (op as string).startsWith(':');
    const isSet = colon ? v !== undefined && v !== '' : v !== undefined;
    const used = (op as string).endsWith('+') ? isSet : !isSet;
    if (!used) unset.length = savedUnset;
    let result: string;
    switch ((op as string).slice(-1)) {
      case '-':
        result = isSet ? (v as string) : word;
        break;
      case '+':
        result = isSet ? word : '';
        break;
      default: // '?'
        if (!isSet) fail(word ? `required variable ${n} is missing a value: ${word}` : `required variable ${n} is missing a value`);
        result = v as string;
    }
    return [result, end + 1];
  };

  return { value: expand(0, false)[0], unset };
}

/** Interpolates every string value of a YAML tree (keys stay as written, as in Compose); returns the unset names. */
export function interpolateTree(tree: unknown, lookup: Lookup, path = ''): { value: unknown; unset: string[] } {
  const unset: string[] = [];
  const walk = (v: unknown, p: string): unknown => {
    if (typeof v === 'string') {
      const r = interpolate(v, lookup, p);
      for (const u of r.unset) if (!unset.includes(u)) unset.push(u);
      return r.value;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, p ? `${p}.[${i}]` : `[${i}]`));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, p ? `${p}.${k}` : k);
      return out;
    }
    return v;
  };
  return { value: walk(tree, path), unset };
}

/** Compose's warning for a variable used without a value nor a default (logrus' text format on a terminal). */
export function unsetWarning(name: string): string {
  return `WARN[0000] The "${name}" variable is not set. Defaulting to a blank string.`;
}
