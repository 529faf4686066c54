// Command-line flags parsed the way the docker CLI's pflag (spf13/pflag under cobra) does: `--name=value`,
// `--name value`, `-abc`, `-fvalue`, `--bool=false`, `--` ends flags, flags and arguments interleave (or not:
// `docker run IMAGE -l` keeps `-l` for the container), repeated flags, `-h`/`--help`; pflag's error messages.
// Every docker and compose command parses its argv here.

/**
 * `strings`: pflag's StringSlice (comma-separated, repeatable); `list`: the CLI's ListOpts and other repeatable
 * option types (each value kept whole, in order).
 */
export type FlagType = 'bool' | 'string' | 'strings' | 'list';

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  /** the value's type name in help (`--format string`, `-f, --filter filter`, `-m, --memory bytes`) */
  valueName?: string;
  description?: string;
  /** the value when the flag is not given (pflag's DefValue); help shows it as `(default ...)` unless zero */
  defaultValue?: boolean | string;
  /** help only: the default as the value type prints it, where that is not a plain value (`[]` for --ulimit) */
  defaultText?: string;
  /** accepted, hidden from help (aliases such as `--net`, flags that change nothing here) */
  hidden?: boolean;
  /**
   * pflag.Value's Set: converts and checks one value of a string or list flag. A thrown Error's message follows
   * `invalid argument "VALUE" for "-s, --name" flag: `.
   */
  parse?: (value: string) => unknown;
  /** another flag's name whose value this one sets (`--net` and `--network` fill one list, as they share a NetworkOpt) */
  alias?: string;
}

/** Flag name -> value: a boolean, a string (or what `parse` made of it), or a list for `strings` and `list` flags. */
export type FlagValues = Record<string, unknown>;

/** pflag's errors (`unknown flag: --foo`): the CLI prints them with `See 'docker CMD --help'.` and exits 125. */
export class FlagError extends Error {}

export interface Parsed {
  flags: FlagValues;
  args: string[];
  help: boolean;
}

/**
 * Parses argv against specs. With `interspersed: false` the first argument stops flag parsing (global flags
 * before the command name, `docker run` flags before the image).
 */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], options: { interspersed?: boolean } = {}): Parsed {
  const interspersed = options.interspersed ?? true;
  const flags: FlagValues = {};
  for (const s of specs) if (s.defaultValue !== undefined) flags[s.alias ?? s.name] = s.defaultValue;
  const args: string[] = [];
  let help = false;
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const set = (spec: FlagSpec, raw: string | true) => {
    const key = spec.alias ?? spec.name;
    if (spec.type === 'bool') {
      flags[key] = raw === true ? true : parseBool(raw, spec);
      return;
    }
    const value = raw as string;
    const parse = (v: string): unknown => {
      if (!spec.parse) return v;
      try {
        return spec.parse(v);
      } catch (e) {
        throw new FlagError(`invalid argument "${value}" for "${shown(spec)}" flag: ${(e as Error).message}`);
      }
    };
    const before = Array.isArray(flags[key]) ? (flags[key] as unknown[]) : [];
    if (spec.type === 'strings') flags[key] = [...before, ...value.split(',').map(parse)];
    else if (spec.type === 'list') flags[key] = [...before, parse(value)];
    else flags[key] = parse(value);
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
      const spec = byName.get(name);
      if (!spec) throw new FlagError(`unknown flag: --${name}`);
      if (eq >= 0) set(spec, arg.slice(eq + 1));
      else if (spec.type === 'bool') set(spec, true);
      else {
        if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: --${name}`);
        set(spec, argv[++i] as string);
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // -abc: each letter a flag, until one takes a value (the rest of the word, or the next word)
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        // cobra gives every command `-h, --help` unless the command takes -h itself (`docker run -h HOSTNAME`)
        if (letter === 'h' && !byShort.has('h')) {
          help = true;
          continue;
        }
        const spec = byShort.get(letter);
        if (!spec) throw new FlagError(`unknown shorthand flag: '${letter}' in ${arg}`);
        const rest = arg.slice(j + 1);
        if (spec.type === 'bool') {
          if (rest.startsWith('=')) {
            set(spec, rest.slice(1));
            break;
          }
          set(spec, true);
          continue;
        }
        if (rest.length > 0) set(spec, rest.startsWith('=') ? rest.slice(1) : rest);
        else {
          if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: '${letter}' in -${letter}`);
          set(spec, argv[++i] as string);
        }
        break;
      }
      continue;
    }
    if (!interspersed) {
      args.push(...argv.slice(i));
      break;
    }
    args.push(arg);
  }
  return { flags, args, help };
}

/** How pflag names a flag in its messages: `-s, --name` or `--name`. */
function shown(spec: FlagSpec): string {
  return spec.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
}

function parseBool(value: string, spec: FlagSpec): boolean {
  if (/^(1|t|T|true|TRUE|True)$/.test(value)) return true;
  if (/^(0|f|F|false|FALSE|False)$/.test(value)) return false;
  throw new FlagError(`invalid argument "${value}" for "${shown(spec)}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
}

/** Go's strconv.ParseInt error wording, for int flags (`--pids-limit`, `--stop-timeout`, `-n`). */
export function parseGoInt(value: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw new Error(`strconv.ParseInt: parsing "${value}": invalid syntax`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`strconv.ParseInt: parsing "${value}": value out of range`);
  return n;
}

/**
 * The Options block of a command's help, laid out like cobra's FlagUsages: descriptions at the widest flag + 3,
 * `(default ...)` unless the default is the type's zero value, string defaults quoted as pflag quotes them.
 */
export function flagsHelp(specs: readonly FlagSpec[]): string {
  const shownSpecs = specs.filter((s) => !s.hidden);
  const left = shownSpecs.map((s) => {
    const value = s.type === 'bool' ? '' : ` ${s.valueName ?? s.type}`;
    return `${s.short ? `  -${s.short}, ` : '      '}--${s.name}${value}`;
  });
  const width = Math.max(0, ...left.map((l) => l.length)) + 3;
  return shownSpecs
    .map((s, i) => {
      const [first = '', ...more] = `${s.description ?? ''}${defaultNote(s)}`.split('\n');
      return [`${(left[i] as string).padEnd(width)}${first}`, ...more.map((line) => `${' '.repeat(width)}${line}`)].join('\n');
    })
    .join('\n');
}

function defaultNote(spec: FlagSpec): string {
  if (spec.defaultText !== undefined) return ` (default ${spec.defaultText})`;
  const d = spec.defaultValue;
  if (d === undefined || d === false || d === '') return '';
  return ` (default ${typeof d === 'string' && spec.type === 'string' ? JSON.stringify(d) : String(d)})`;
}
