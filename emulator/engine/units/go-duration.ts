// Go-style durations (`30s`, `1m30s`, `1.5h`, `250ms`) for HEALTHCHECK flags, in nanoseconds.

const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Nanoseconds, or an error message worded like Go's time.ParseDuration. */
export function parseGoDuration(text: string): number | { error: string } {
  const invalid = { error: `time: invalid duration ${JSON.stringify(text)}` };
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return invalid;
  let total = 0;
  while (rest !== '') {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    if (number[0] === '' || number[0] === '.') return invalid;
    rest = rest.slice(number[0].length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === '') return { error: `time: missing unit in duration ${JSON.stringify(text)}` };
    const scale = UNIT_NS[unit];
    if (scale === undefined) return { error: `time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}` };
    rest = rest.slice(unit.length);
    total += Number.parseFloat(number[0].startsWith('.') ? '0' + number[0] : number[0]) * scale;
  }
  return Math.round(sign * total);
}
