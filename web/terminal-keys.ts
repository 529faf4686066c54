// What the terminal does with keys the shell would otherwise get: the clipboard's, and the way out of the terminal.

/**
 * Clipboard keys. Ctrl+Shift+C copies the selection (plain Ctrl+C stays SIGINT). Ctrl+V, Ctrl+Shift+V and
 * Cmd+V/Cmd+C are left to the browser, whose native paste/copy events xterm already handles; learners
 * expect Ctrl+V to paste more than they need the terminal's literal-next key.
 */
export function clipboardAction(event: KeyboardEvent): 'copy-selection' | 'native' | null {
  if (event.type !== 'keydown' || event.altKey) return null;
  const key = event.key.toLowerCase();
  if (event.ctrlKey && event.shiftKey && key === 'c') return 'copy-selection';
  if (event.ctrlKey && key === 'v') return 'native';
  if (event.metaKey && !event.ctrlKey && (key === 'c' || key === 'v')) return 'native';
  return null;
}

/** How soon after Escape a Tab leaves the terminal (CodeMirror's convention) rather than reaching the shell. */
export const ESCAPE_TAB_MS = 2000;

/**
 * The terminal keeps Tab for the shell's completion, so a keyboard user needs a way out (WCAG 2.1.2, no keyboard
 * trap): Escape, then Tab or Shift+Tab, moves focus on as the browser would. The Escape still reaches the guest
 * (it means something to vi and less); only the Tab is the browser's.
 */
export function leavesTerminal(event: KeyboardEvent, escapedAt: number | null, now: number): boolean {
  return event.type === 'keydown' && event.key === 'Tab' && !event.ctrlKey && !event.altKey && !event.metaKey && escapedAt !== null && now - escapedAt <= ESCAPE_TAB_MS;
}
