// The widths the learner gave the panes by dragging their dividers: the rules (clamping, keyboard steps) and the
// remembered values, one per divider, kept in localStorage so a reload puts each divider back where it was left.

/** The dividers of the wide layout, each named after the pane whose width it sets. */
export const DIVIDERS = ['course', 'preview', 'editor', 'inspect'] as const;
export type DividerName = (typeof DIVIDERS)[number];

export type PaneSizes = Partial<Record<DividerName, number>>;

const KEY_PREFIX = 'drydock.layout.';

/** Arrow keys move a divider by this many pixels; with Shift, by BIG_STEP (WAI-ARIA window splitter pattern). */
export const STEP = 16;
export const BIG_STEP = 64;

export function clampSize(size: number, min: number, max: number): number {
  return Math.round(Math.min(Math.max(size, min), Math.max(min, max)));
}

/**
 * The width a key gives a pane whose divider is on its `edge` (a divider on the pane's left edge grows the pane when it
 * moves left), or undefined for a key the separator pattern leaves alone.
 */
export function sizeForKey(key: string, shift: boolean, size: number, min: number, max: number, edge: 'start' | 'end'): number | undefined {
  const step = shift ? BIG_STEP : STEP;
  const grow = edge === 'start' ? 'ArrowLeft' : 'ArrowRight';
  const shrink = edge === 'start' ? 'ArrowRight' : 'ArrowLeft';
  switch (key) {
    case grow:
      return clampSize(size + step, min, max);
    case shrink:
      return clampSize(size - step, min, max);
    case 'Home':
      return min;
    case 'End':
      return clampSize(max, min, max);
    default:
      return undefined;
  }
}

/** The remembered widths; unreadable or absurd entries are skipped (the pane then takes its default width). */
export function loadSizes(storage: Pick<Storage, 'getItem'> | undefined): PaneSizes {
  const sizes: PaneSizes = {};
  for (const name of DIVIDERS) {
    let raw: string | null = null;
    try {
      raw = storage?.getItem(KEY_PREFIX + name) ?? null;
    } catch {
      // storage refused (sandboxed frame): defaults
    }
    const value = raw === null ? NaN : Number(raw);
    if (Number.isFinite(value) && value > 0 && value < 100_000) sizes[name] = Math.round(value);
  }
  return sizes;
}

export function saveSize(storage: Pick<Storage, 'setItem'> | undefined, name: DividerName, size: number): void {
  try {
    storage?.setItem(KEY_PREFIX + name, String(Math.round(size)));
  } catch {
    // Storage full or refused: the divider stays where it is for this page only.
  }
}
