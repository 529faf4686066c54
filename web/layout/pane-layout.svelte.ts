// The stage's layout: side by side with draggable dividers on a wide window, one pane at a time behind tabs on a narrow
// one (a phone, a split screen), where columns side by side would each be too thin to use.
import { loadSizes, saveSize, type DividerName, type PaneSizes } from './pane-sizes.ts';

/** Below this width the panes become tabs (the course column, a terminal and the editor need about this much). */
export const NARROW_QUERY = '(max-width: 899.98px)';

export type PaneId = 'course' | 'terminal' | 'preview' | 'editor' | 'inspect';

export class PaneLayout {
  narrow = $state(false);
  /** The pane shown while narrow. */
  active = $state<PaneId>('terminal');
  /** Widths in CSS pixels set by the dividers; a pane without one takes its default width. */
  sizes = $state<PaneSizes>({});
  readonly #storage: Storage | undefined;
  readonly #query: MediaQueryList | undefined;

  constructor(storage: Storage | undefined = globalThis.localStorage, query: MediaQueryList | undefined = globalThis.matchMedia?.(NARROW_QUERY)) {
    this.#storage = storage;
    this.#query = query;
    this.sizes = loadSizes(storage);
    this.narrow = query?.matches ?? false;
  }

  /** Follows the window across the breakpoint; returns the disposer. */
  start(): () => void {
    const query = this.#query;
    if (!query) return () => undefined;
    const follow = () => (this.narrow = query.matches);
    query.addEventListener('change', follow);
    return () => query.removeEventListener('change', follow);
  }

  resize(name: DividerName, size: number): void {
    this.sizes[name] = size;
    saveSize(this.#storage, name, size);
  }

  /** Shows a pane: the tab while narrow; side by side, every open pane is already in view. */
  show(pane: PaneId): void {
    this.active = pane;
  }
}
