// Benchmark figures: one flat record of numbers with stable snake_case keys that carry their unit, and their goals.

/** Keys end in their unit: `_ms`, `_bytes` (or start with `bytes_`), `_count`, `_ratio`. */
export type Figures = Record<string, number>;

export interface Goal {
  /** at most this value */
  max: number;
  label: string;
}

/** Goals are printed next to the figures, not asserted. One line per goal. */
export const GOALS: Record<string, Goal> = {
  prompt_warm_ms_chromium: { max: 1000, label: '<= 1 s' },
  prompt_cold_ms_chromium: { max: 2000, label: '<= 2 s' },
  snapshot_bytes: { max: 8 * 1024 * 1024, label: '<= 8 MB' },
};

export function formatFigure(key: string, value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (key.endsWith('_ms')) return `${Math.round(value)} ms`;
  if (key.endsWith('_bytes') || key.startsWith('bytes_')) {
    return value >= 1024 * 1024 ? `${(value / (1024 * 1024)).toFixed(2)} MB` : `${(value / 1024).toFixed(1)} KB`;
  }
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
