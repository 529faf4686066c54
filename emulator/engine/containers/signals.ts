// Linux (i386) signal names and numbers, parsed the way moby's signal.ParseSignal does (`TERM`, `SIGTERM`, `15`).

export const SIGNALS: Readonly<Record<string, number>> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22,
  URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, PWR: 30, SYS: 31,
};

/** Signal number for `SIGTERM` / `term` / `15`; throws `Invalid signal: X` like the daemon. */
export function parseSignal(raw: string): number {
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n === 0 || n > 64) throw new Error(`Invalid signal: ${raw}`);
    return n;
  }
  const name = raw.toUpperCase().replace(/^SIG/, '');
  const n = SIGNALS[name];
  if (n === undefined) throw new Error(`Invalid signal: ${raw}`);
  return n;
}

/** `SIGTERM` for 15; numbers without a name stay numbers. */
export function signalName(n: number): string {
  const entry = Object.entries(SIGNALS).find(([, v]) => v === n);
  return entry ? `SIG${entry[0]}` : String(n);
}
