// Docker's size and CPU units: go-units RAMInBytes (`32m`, `1.5g`, binary multiples) and the CLI's NanoCPUs (`0.5`).

const SIZE = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/;
const MULTIPLIERS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** go-units RAMInBytes: `32m` -> 33554432. Throws `invalid size: '12q'` like Docker. */
export function ramInBytes(text: string): number {
  const m = SIZE.exec(text);
  const number = m ? Number(m[1]) : NaN;
  if (!m || Number.isNaN(number)) throw new Error(`invalid size: '${text}'`);
  const unit = (m[2] ?? '').toLowerCase();
  return Math.trunc(number * (MULTIPLIERS[unit] ?? 1));
}

/** The docker CLI's NanoCPUs flag value: a rational number of CPUs, as an integer count of 1e-9 CPUs. */
export function parseNanoCpus(text: string): number {
  // big.Rat.SetString accepts decimals and fractions (`1/2`)
  const fraction = /^([+-]?\d+)\/(\d+)$/.exec(text);
  let nano: number;
  if (fraction) {
    const den = Number(fraction[2]);
    if (den === 0) throw new Error(`failed to parse ${text} as a rational number`);
    nano = (Number(fraction[1]) * 1e9) / den;
  } else if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    nano = Number(text) * 1e9;
  } else throw new Error(`failed to parse ${text} as a rational number`);
  const rounded = Math.round(nano);
  if (Math.abs(nano - rounded) > 1e-6) throw new Error('value is too precise');
  return rounded;
}
