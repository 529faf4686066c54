// Parser directives (`# syntax=`, `# escape=`, `# check=`): recognised only in the comment lines at the very top.

export interface DirectiveLine {
  name: 'syntax' | 'escape' | 'check';
  value: string;
  /** 0-based offsets of the value within the line. */
  valueStart: number;
  valueEnd: number;
}

const DIRECTIVE = /^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN = new Set(['syntax', 'escape', 'check']);

/**
 * Reads directives one line at a time until the first line that isn't one (a blank line, an instruction,
 * an ordinary comment, or an unknown directive name); after that nothing is a directive.
 */
export class DirectiveReader {
  private done = false;
  private readonly seen = new Set<string>();

  /**
   * `line` has had leading whitespace removed. Returns the directive, undefined if the line isn't one,
   * or an error message for a repeated directive.
   */
  read(line: string, leading: number): DirectiveLine | { error: string } | undefined {
    if (this.done) return undefined;
    if (!line.startsWith('#')) {
      this.done = true;
      return undefined;
    }
    const afterHash = line.slice(1);
    const body = afterHash.trimStart();
    const match = DIRECTIVE.exec(body);
    const name = match?.[1]?.toLowerCase();
    if (!match || name === undefined || !KNOWN.has(name)) {
      this.done = true;
      return undefined;
    }
    if (this.seen.has(name)) return { error: `only one ${name} parser directive can be used` };
    this.seen.add(name);
    const value = match[2]!;
    const bodyStart = leading + 1 + (afterHash.length - body.length);
    // The lazy value ends where trailing whitespace starts.
    const valueStart = bodyStart + body.trimEnd().length - value.length;
    return { name: name as DirectiveLine['name'], value, valueStart, valueEnd: valueStart + value.length };
  }
}
