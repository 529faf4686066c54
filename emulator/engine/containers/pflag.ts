// A pflag-compatible parser for the container commands: typed flag values (bool, string, repeatable list,
// custom parsers with pflag's `invalid argument` wording), `-abc` groups, `--x=v`, `--` and
// non-interspersed mode (`docker run IMAGE -l` keeps `-l` for the container's command).

export type FlagKind = 'bool' | 'string' | 'list';

export interface FlagDef {
  name: string;
  short?: string;
  kind: FlagKind;
  /** converts and checks a string value; throw an Error whose message pflag appends after the flag name */
  parse?: (value: string) => unknown;
  /** accepted but left out of help (aliases such as `--net`) */
  hidden?: boolean;
  /** help: the value's type name (`list`, `bytes`, `decimal`, `int`, `string`) and the description */
  valueName?: string;
  description?: string;
  /** help: shown as `(default ...)` */
  defaultValue?: boolean | string;
  /** another flag's name whose value this one sets too (`--net` and `--network` share one list) */
  alias?: string;
}

export type FlagResult = Map<string, unknown>;

/** A command-line error the docker CLI reports itself: the message, then `See 'docker run --help'.`, status 125. */
export class FlagParseError extends Error {}

export interface ParsedFlags {
  values: FlagResult;
  args: string[];
  help: boolean;
}

export function parseArgs(argv: readonly string[], defs: readonly FlagDef[], options: { interspersed: boolean }): ParsedFlags {
  const values: FlagResult = new Map();
  const args: string[] = [];
  let help = false;
  const byName = new Map(defs.map((d) => [d.name, d]));
  const byShort = new Map(defs.filter((d) => d.short).map((d) => [d.short as string, d]));

  const set = (def: FlagDef, raw: string | true) => {
    const shown = def.short ? `-${def.short}, --${def.name}` : `--${def.name}`;
    if (def.kind === 'bool') {
      values.set(def.name, raw === true ? true : parseBool(raw, shown));
      return;
    }
    const value = raw as string;
    let parsed: unknown = value;
    if (def.parse) {
      try {
        parsed = def.parse(value);
      } catch (e) {
        throw new FlagParseError(`invalid argument "${value}" for "${shown}" flag: ${(e as Error).message}`);
      }
    }
    const key = def.alias ?? def.name;
    if (def.kind === 'list') values.set(key, [...((values.get(key) as unknown[] | undefined) ?? []), parsed]);
    else values.set(key, parsed);
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      if (name === 'help') {
        help = true;
        continue;
      }
      const def = byName.get(name);
      if (!def) throw new FlagParseError(`unknown flag: --${name}`);
      if (eq >= 0) set(def, arg.slice(eq + 1));
      else if (def.kind === 'bool') set(def, true);
      else {
        if (i + 1 >= argv.length) throw new FlagParseError(`flag needs an argument: --${name}`);
        set(def, argv[++i] as string);
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        const def = byShort.get(letter);
        if (!def) throw new FlagParseError(`unknown shorthand flag: '${letter}' in ${arg}`);
        const rest = arg.slice(j + 1);
        if (def.kind === 'bool') {
          if (rest.startsWith('=')) {
            set(def, rest.slice(1));
            break;
          }
          set(def, true);
          continue;
        }
        if (rest.length > 0) set(def, rest.startsWith('=') ? rest.slice(1) : rest);
        else {
          if (i + 1 >= argv.length) throw new FlagParseError(`flag needs an argument: '${letter}' in -${letter}`);
          set(def, argv[++i] as string);
        }
        break;
      }
      continue;
    }
    if (!options.interspersed) {
      args.push(...argv.slice(i));
      break;
    }
    args.push(arg);
  }
  return { values, args, help };
}

function parseBool(value: string, shown: string): boolean {
  if (/^(1|t|T|true|TRUE|True)$/.test(value)) return true;
  if (/^(0|f|F|false|FALSE|False)$/.test(value)) return false;
  throw new FlagParseError(`invalid argument "${value}" for "${shown}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
}

/** Go's strconv.ParseInt error wording, for int flags (`--pids-limit`, `--stop-timeout`). */
export function parseGoInt(value: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw new Error(`strconv.ParseInt: parsing "${value}": invalid syntax`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`strconv.ParseInt: parsing "${value}": value out of range`);
  return n;
}
