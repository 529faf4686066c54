// Builder flags of one instruction (`--from=build`, `--link`): declared per instruction, then checked like BuildKit's BFlags.
import type { ParsedFlag } from './types.ts';
import { withSuggestion } from './suggest.ts';

type FlagKind = 'bool' | 'string' | 'strings';

export interface FlagError {
  message: string;
  flag?: ParsedFlag;
}

/** The values of the declared flags after parsing; absent = not given. */
export class FlagValues {
  readonly strings = new Map<string, string>();
  readonly lists = new Map<string, string[]>();
  readonly bools = new Map<string, boolean>();

  string(name: string): string | undefined {
    return this.strings.get(name);
  }
  bool(name: string): boolean {
    return this.bools.get(name) ?? false;
  }
  list(name: string): string[] {
    return this.lists.get(name) ?? [];
  }
}

/** Checks `flags` against the declared ones; returns the values or the first error (as BuildKit stops at the first). */
export function parseFlags(flags: readonly ParsedFlag[], declared: Readonly<Record<string, FlagKind>>): FlagValues | FlagError {
  const values = new FlagValues();
  const used = new Set<string>();
  for (const flag of flags) {
    // `--` ends the flags (POSIX utility syntax); the parser already stopped there.
    if (flag.raw === '--') break;
    const kind = declared[flag.name];
    const flagName = '--' + flag.name;
    if (kind === undefined) {
      return { message: withSuggestion(`unknown flag: ${flagName}`, flag.name, Object.keys(declared), true), flag };
    }
    if (used.has(flag.name) && kind !== 'strings') return { message: `duplicate flag specified: ${flagName}`, flag };
    used.add(flag.name);
    const value = flag.value;
    if (kind === 'bool') {
      if (value === '') return { message: `missing a value on flag: ${flagName}`, flag };
      const lower = (value ?? '').toLowerCase();
      if (lower === 'true' || lower === '') values.bools.set(flag.name, true);
      else if (lower === 'false') values.bools.set(flag.name, false);
      else return { message: `expecting boolean value for flag ${flagName}, not: ${value}`, flag };
      continue;
    }
    if (value === undefined) return { message: `missing a value on flag: ${flagName}`, flag };
    if (kind === 'string') values.strings.set(flag.name, value);
    else values.lists.set(flag.name, [...values.list(flag.name), value]);
  }
  return values;
}
