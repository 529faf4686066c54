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
  return lexWord(word, () => undefined, { escape, skipUnsetEnv: true }).value;
}

/**
 * The body of an unquoted-delimiter heredoc source (`COPY <<EOF`), expanded as BuildKit's ExpandRaw does: `$VAR`
 * and escapes are processed, quotes are kept as written. Throws ExpansionError.
 */
export function expandHeredocContent(content: string, env: ExpansionEnv): string {
  return lexWord(content, toLookup(env), { escape: '\\', skipProcessQuotes: true }).value;
}

/** expandWord with the matched/unmatched variable names and the split fields. Throws ExpansionError. */
export function expandWordDetailed(word: string, env: ExpansionEnv, escape: string = '\\'): ExpansionResult {
  return lexWord(word, toLookup(env), { escape });
}

export interface LexOptions {
  escape: string;
  /** Keep quote characters in the output (used to detect quoted heredoc delimiters). */
  rawQuotes?: boolean;
  /** Keep escape characters in the output. */
  rawEscapes?: boolean;
  /** Leave references to unset variables as written instead of substituting ''. */
  skipUnsetEnv?: boolean;
  /** Quotes are plain characters (BuildKit's SkipProcessQuotes, for heredoc bodies). */
  skipProcessQuotes?: boolean;
}

/** The lexer with all of BuildKit's knobs; the parser uses it with raw quotes/escapes to find heredoc words. */
export function lexWord(word: string, lookup: (name: string) => string | undefined, options: LexOptions): ExpansionResult {
  const lexer = new WordLexer(word, lookup, options);
  try {
    const { value, words } = lexer.processUntil(undefined, options.rawEscapes ?? false);
    return { value, words, matched: lexer.matched, unmatched: lexer.unmatched };
  } catch (error) {
    if (error instanceof LexFailure) {
      throw new ExpansionError(`failed to process ${JSON.stringify(word)}: ${error.message}`, error.offset);
    }
    throw error;
  }
}

function toLookup(env: ExpansionEnv): (name: string) => string | undefined {
  if (typeof env === 'function') return env;
  if (env instanceof Map) return (name) => env.get(name);
  const record = env as Readonly<Record<string, string>>;
  return (name) => (Object.hasOwn(record, name) ? record[name] : undefined);
}

class LexFailure extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const isSpace = (ch: string): boolean => /^\s$/u.test(ch);

/** Accumulates shell fields: unquoted whitespace from literal text or substitutions splits, quoted text never does. */
class Fields {
  private buf = '';
  private inWord = false;
  readonly words: string[] = [];

  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.buf.length > 0) {
        this.words.push(this.buf);
        this.buf = '';
        this.inWord = false;
      }
    } else {
      this.addRaw(ch);
    }
  }

  addRaw(text: string): void {
    this.buf += text;
    this.inWord = true;
  }

  addSplitting(text: string): void {
    for (const ch of text) this.addChar(ch);
  }

  finish(): string[] {
    if (this.buf.length > 0) {
      this.words.push(this.buf);
      this.buf = '';
      this.inWord = false;
    }
    return this.words;
  }
}

/** Special parameters of POSIX sh (`$@`, `$?`...): a one-character name. */
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

class WordLexer {
  private readonly chars: string[];
  private pos = 0;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();

  constructor(
    source: string,
    private readonly lookup: (name: string) => string | undefined,
    private readonly options: LexOptions,
  ) {
    // Code points, so an escape before an astral character takes the whole character.
    this.chars = Array.from(source);
  }

  private peek(): string | undefined {
    return this.chars[this.pos];
  }

  private next(): string | undefined {
    const ch = this.chars[this.pos];
    if (ch !== undefined) this.pos++;
    return ch;
  }

  private fail(message: string): never {
    throw new LexFailure(message, this.pos);
  }

  /** Reads up to `stop` (consumed) or the end; `stop` missing at the end is an error. */
  processUntil(stop: string | undefined, rawEscapes: boolean): { value: string; words: string[] } {
    let value = '';
    const fields = new Fields();
    const escape = this.options.escape;
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (stop !== undefined && ch === stop) {
        this.next();
        return { value, words: fields.finish() };
      }
      if (ch === '$') {
        const text = this.processDollar();
        value += text;
        fields.addSplitting(text);
        continue;
      }
      if (ch === '<') {
        const text = this.processPossibleHeredoc();
        value += text;
        fields.addRaw(text);
        continue;
      }
      if ((ch === "'" || ch === '"') && !this.options.skipProcessQuotes) {
        const text = ch === "'" ? this.processSingleQuote() : this.processDoubleQuote(rawEscapes);
        value += text;
        fields.addRaw(text);
        continue;
      }
      this.next();
      if (ch === escape) {
        if (rawEscapes) {
          fields.addRaw(ch);
          value += ch;
        }
        const escaped = this.next();
        // A lone escape at the end of the word is dropped.
        if (escaped === undefined) break;
        fields.addRaw(escaped);
        value += escaped;
        continue;
      }
      fields.addChar(ch);
      value += ch;
    }
    if (stop !== undefined) this.fail(`unexpected end of statement while looking for matching ${stop}`);
    return { value, words: fields.finish() };
  }

  private processSingleQuote(): string {
    // POSIX: nothing is special inside single quotes, not even the escape character.
    const raw = this.options.rawQuotes ?? false;
    let out = raw ? this.next()! : (this.next(), '');
    for (;;) {
      const ch = this.next();
      if (ch === undefined) this.fail('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return raw ? out + ch : out;
      out += ch;
    }
  }

  private processDoubleQuote(rawEscapes: boolean): string {
    // POSIX: inside double quotes only $ and the escape (before " $ or itself) are special.
    const raw = this.options.rawQuotes ?? false;
    const escape = this.options.escape;
    let out = raw ? this.next()! : (this.next(), '');
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) this.fail('unexpected end of statement while looking for matching double-quote');
      if (ch === '"') {
        this.next();
        return raw ? out + ch : out;
      }
      if (ch === '$') {
        out += this.processDollar();
        continue;
      }
      this.next();
      if (ch === escape) {
        if (rawEscapes) out += ch;
        const following = this.peek();
        if (following === undefined) continue;
        if (following === '"' || following === '$' || following === escape) {
          out += this.next()!;
          continue;
        }
      }
      out += ch;
    }
  }

  private processPossibleHeredoc(): string {
    this.next();
    if (this.peek() !== '<') return '<';
    this.next();
    // `<< EOF` stays one field so the heredoc word can be recognised.
    let space = '';
    for (let ch = this.peek(); ch === ' ' || ch === '\t'; ch = this.peek()) space += this.next()!;
    return '<<' + space;
  }

  private getEnv(name: string): string | undefined {
    const value = this.lookup(name);
    if (value === undefined) this.unmatched.add(name);
    else this.matched.add(name);
    return value;
  }

  private processName(): string {
    let name = '';
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (name === '' && /^\p{Nd}$/u.test(ch)) {
        // Positional parameters: all the digits.
        for (let d = this.peek(); d !== undefined && /^\p{Nd}$/u.test(d); d = this.peek()) name += this.next()!;
        return name;
      }
      if (name === '' && SPECIAL_PARAMS.has(ch)) return this.next()!;
      if (!/^[\p{L}\p{Nd}_]$/u.test(ch)) break;
      name += this.next()!;
    }
    return name;
  }

  private processDollar(): string {
    this.next();
    const skipUnset = this.options.skipUnsetEnv ?? false;
    if (this.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined && skipUnset) return '$' + name;
      return value ?? '';
    }
    this.next();
    const first = this.peek();
    if (first === undefined) this.fail("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') this.fail('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.next();
    if (ch === undefined) this.fail("syntax error: missing '}'");
    if (ch === '}') {
      const value = this.getEnv(name);
      if (value === undefined && skipUnset) return '${' + name + '}';
      return value ?? '';
    }
    if (ch === '/') return this.processReplacement(name);
    let modifier = ch;
    let nullIsUnset = false;
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.next();
      if (ch === undefined) this.fail("syntax error: missing '}'");
      modifier += ch;
    }
    if (!nullIsUnset && !'+-?#%'.includes(ch)) this.fail(`unsupported modifier (${modifier}) in substitution`);
    const patternModifier = ch === '#' || ch === '%';
    if (nullIsUnset && patternModifier) this.fail(`unsupported modifier (${modifier}) in substitution`);
    const word = this.processNested('}', patternModifier, "syntax error: missing '}'");
    const value = this.getEnv(name);
    if (value === undefined && skipUnset) return '${' + name + modifier + word + '}';
    const unsetOrNull = value === undefined || (nullIsUnset && value === '');
    switch (ch) {
      case '-':
        return unsetOrNull ? word : value!;
      case '+':
        return unsetOrNull ? '' : word;
      case '?':
        if (value === undefined) this.fail(`${name}: ${word || 'is not allowed to be unset'}`);
        if (nullIsUnset && value === '') this.fail(`${name}: ${word || 'is not allowed to be empty'}`);
        return value;
      case '#':
      case '%': {
        // `#`/`%` remove the shortest match, `##`/`%%` the longest.
        const greedy = word.startsWith(ch);
        const pattern = greedy ? word.slice(1) : word;
        return ch === '%' ? this.trimSuffix(pattern, value ?? '', greedy) : this.trimPrefix(pattern, value ?? '', greedy);
      }
      default:
        this.fail(`unsupported modifier (${modifier}) in substitution`);
    }
  }

  private processNested(stop: string, rawEscapes: boolean, eofMessage: string): string {
    try {
      return this.processUntil(stop, rawEscapes).value;
    } catch (error) {
      if (error instanceof LexFailure && this.peek() === undefined) this.fail(eofMessage);
      throw error;
    }
  }

  private processReplacement(name: string): string {
    const replaceAll = this.peek() === '/';
    if (replaceAll) this.next();
    const pattern = this.processNested('/', true, "syntax error: missing '/' in ${}");
    const replacement = this.processNested('}', true, "syntax error: missing '}'");
    const value = this.getEnv(name);
    if (value === undefined && (this.options.skipUnsetEnv ?? false)) return '${' + name + '/' + pattern + '/' + replacement + '}';
    const re = this.patternToRegExp(pattern, true, false, replaceAll);
    return (value ?? '').replace(re, () => replacement);
  }

  private trimPrefix(pattern: string, value: string, greedy: boolean): string {
    const match = this.patternToRegExp(pattern, greedy, true, false).exec(value);
    return match ? value.slice(match[0].length) : value;
  }

  private trimSuffix(pattern: string, value: string, greedy: boolean): string {
    // A regular expression can't find the shortest match ending at the end, so reverse both and trim a prefix.
    const reversed = Array.from(value).reverse().join('');
    return Array.from(this.trimPrefix(reversePattern(pattern), reversed, greedy)).reverse().join('');
  }

  /** Shell wildcard pattern (`*`, `?`, backslash escapes; no brackets) to a RegExp. */
  private patternToRegExp(pattern: string, greedy: boolean, anchored: boolean, global: boolean): RegExp {
    let source = anchored ? '^' : '';
    const chars = Array.from(pattern);
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i]!;
      if (ch === '*') source += greedy ? '.*' : '.*?';
      else if (ch === '?') source += '.';
      else if (ch === '\\') {
        const following = chars[i + 1];
        // `\}` and `\/` only protect the ${} syntax; they are not part of the pattern.
        if (following === '}' || following === '/') continue;
        if (following !== '*' && following !== '?' && following !== '\\') {
          this.fail(`invalid pattern (${pattern}) in substitution: invalid escape '\\${following ?? ''}'`);
        }
        source += '\\' + following;
        i++;
      } else if ('[]{}.+()|^$/-'.includes(ch)) source += '\\' + ch;
      else source += ch;
    }
    return new RegExp(source, global ? 'gu' : 'u');
  }
}

/** Reverses a pattern but keeps each escape before the character it escapes (`a\*c` -> `c\*a`). */
function reversePattern(pattern: string): string {
  const tokens: string[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '\\' && i + 1 < chars.length) {
      tokens.push('\\' + chars[i + 1]);
      i++;
    } else tokens.push(chars[i]!);
  }
  return tokens.reverse().join('');
}
