// POSIX shell quoting, so an argv in the runtime trace reads back as exactly that argv when replayed.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One word, single-quoted unless it is made only of characters no shell treats specially. */
export function quoteWord(word: string): string {
  if (word !== '' && SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteWord).join(' ');
}
