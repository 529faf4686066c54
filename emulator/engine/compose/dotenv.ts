// `.env` and `env_file` files as compose-go's dotenv reads them: `KEY=VALUE` lines, `export ` prefixes, `#`
// comments, single quotes literal, double quotes with escapes, unquoted and double-quoted values interpolated
// from the variables above them and the environment.
import { EngineError } from '../errors.ts';
import { interpolate, type Lookup } from './interpolate.ts';

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Parses one env file; `lookup` supplies variables for `${...}` in values (earlier lines win over it). */
export function parseDotEnv(text: string, file: string, lookup: Lookup = () => undefined): Map<string, string> {
  const vars = new Map<string, string>();
  const scope: Lookup = (name) => vars.get(name) ?? lookup(name);
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let n = 0; n < lines.length; n++) {
    let line = (lines[n] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice(7).trimStart();
    const eq = line.search(/[=:]/);
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    const where = `${file}:${n + 1}`;
    if (!KEY.test(key)) throw new EngineError('INVALID_ARGUMENT', `failed to read ${file}: line ${n + 1}: unexpected character "${key[0] ?? ''}" in variable name "${key}"`, { location: { file, line: n + 1 } });
    // `KEY` alone takes its value from the environment, if it has one
    if (eq < 0) {
      const v = lookup(key);
      if (v !== undefined) vars.set(key, v);
      continue;
    }
    let raw = line.slice(eq + 1).trimStart();
    let value: string;
    const q = raw[0];
    if (q === "'" || q === '"') {
      // a quoted value may span lines
      let end = raw.indexOf(q, 1);
      while (end < 0 && n + 1 < lines.length) {
        raw += `\n${lines[++n]}`;
        end = raw.indexOf(q, 1);
        while (q === '"' && end > 0 && raw[end - 1] === '\\') end = raw.indexOf(q, end + 1);
      }
      while (q === '"' && end > 0 && raw[end - 1] === '\\') end = raw.indexOf(q, end + 1);
      if (end < 0) throw new EngineError('INVALID_ARGUMENT', `failed to read ${file}: line ${n + 1}: unterminated quoted value`, { location: { file, line: n + 1 } });
      value = raw.slice(1, end);
      if (q === '"') {
        value = value.replace(/\\([nrt"\\$])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
        value = interpolate(value, scope, where).value;
      }
    } else {
      const hash = raw.search(/\s#/);
      value = interpolate((hash < 0 ? raw : raw.slice(0, hash)).trim(), scope, where).value;
    }
    vars.set(key, value);
  }
  return vars;
}
