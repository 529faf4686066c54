// Command-line flags parsed the way the docker CLI's pflag does: `--name=value`, `--name value`, `-abc`,
// `-fvalue`, `--bool=false`, `--` ends flags, flags and arguments interleave; pflag's error messages.

/** `strings`: pflag's StringSlice (comma-separated, repeatable); `list`: the CLI's ListOpts (repeatable, kept whole) */
export type FlagType = 'bool' | 'string' | 'strings' | 'list';

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  /** the value name in help (`--format string`, `-f, --filter filter`) */
  valueName?: string;
  description: string;
  /** shown as `(default true)` in help */
  defaultValue?: boolean | string;
  /** accepted and ignored (it changes nothing here), hidden from help */
  hidden?: boolean;
}

export type FlagValues = Record<string, boolean | string | string[] | undefined>;

export class FlagError extends Error {}

export interface Parsed {
  flags: FlagValues;
  args: string[];
  help: boolean;
}

/**
 * Parses argv against specs. With `interspersed: false` the first argument stops flag parsing (the docker
 * command itself: global flags come before the command name).
 */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], options: { interspersed?: boolean } = {}): Parsed {
  const interspersed = options.interspersed ?? true;
  const flags: FlagValues = {};
  for (const s of specs) if (s.defaultValue !== undefined) flags[s.name] = s.defaultValue;
  const args: string[] = [];
  let help = false;
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const set = (spec: FlagSpec, value: string | true) => {
    if (spec.type === 'bool') {
      if (value === true) flags[spec.name] = true;
      else flags[spec.name] = parseBool(value, spec);
    } else if (spec.type === 'strings') {
      flags[spec.name] = [...((flags[spec.name] as string[] | undefined) ?? []), ...String(value).split(',')];
    } else if (spec.type === 'list') {
      flags[spec.name] = [...((flags[spec.name] as string[] | undefined) ?? []), String(value)];
    } else {
      flags[spec.name] = String(value);
    }
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

function parseBool(value: string, spec: FlagSpec): boolean {
  if (/^(1|t|T|true|TRUE|True)$/.test(value)) return true;
  if (/^(0|f|F|false|FALSE|False)$/.test(value)) return false;
  const names = spec.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
  throw new FlagError(`invalid argument "${value}" for "${names}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
}

/** The Options block of a command's help, laid out like cobra's. */
export function flagsHelp(specs: readonly FlagSpec[]): string {
  const shown = specs.filter((s) => !s.hidden);
  const left = shown.map((s) => {
    const value = s.type === 'bool' ? '' : ` ${s.valueName ?? (s.type === 'strings' ? 'strings' : s.type === 'list' ? 'list' : 'string')}`;
    return `${s.short ? `  -${s.short}, ` : '      '}--${s.name}${value}`;
  });
  const width = Math.max(0, ...left.map((l) => l.length)) + 3;
  return shown
    .map((s, i) => {
      const def = s.defaultValue !== undefined && s.defaultValue !== false && s.defaultValue !== '' ? ` (default ${String(s.defaultValue)})` : '';
      const [first = '', ...more] = `${s.description}${def}`.split('\n');
      return [`${(left[i] as string).padEnd(width)}${first}`, ...more.map((line) => `${' '.repeat(width)}${line}`)].join('\n');
    })
    .join('\n');
}
