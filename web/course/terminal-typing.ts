// Types a run block into the learner's terminal like a person: one line, Enter, wait for the shell prompt, next line.
// Works on a tiny view of the terminal so it can be tested without xterm.

export interface TypingTerminal {
  /** text as if typed on the keyboard */
  input(text: string): void;
  /** the line the cursor is on, as shown */
  cursorLine(): string;
  /**
   * How many line feeds the terminal has shown so far. When given, only a prompt after a line feed since the typing
   * counts: the old prompt is still on the cursor's line until the guest echoes what was typed.
   */
  lineFeeds?(): number;
}

const PROMPT_END = /[#$]$/;

export interface TypeOptions {
  /** how long to wait for a prompt after a line before typing the next one anyway */
  promptTimeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

/** Resolves once every line was typed and the prompt came back after the last one (or the wait ran out). */
export async function typeLines(terminal: TypingTerminal, text: string, options: TypeOptions = {}): Promise<void> {
  const { promptTimeoutMs = 120_000, pollMs = 100, signal } = options;
  const lines = text.split('\n');
  // Ctrl+U first: a half-typed command at the prompt would otherwise run glued to ours.
  terminal.input('\x15');
  for (const line of lines) {
    if (signal?.aborted) return;
    const feedsBefore = terminal.lineFeeds?.();
    terminal.input(`${line}\r`);
    const typed = line.trim();
    const deadline = Date.now() + promptTimeoutMs;
    await sleep(pollMs);
    // The prompt is back when the cursor sits after `# ` / `$ ` on a line that is not the command we typed.
    while (Date.now() < deadline && !signal?.aborted) {
      const current = terminal.cursorLine().trimEnd();
      const moved = feedsBefore === undefined || terminal.lineFeeds!() > feedsBefore;
      if (moved && PROMPT_END.test(current) && (typed === '' || !current.includes(typed))) break;
      await sleep(pollMs);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
