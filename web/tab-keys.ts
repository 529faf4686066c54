// The keys of WAI-ARIA's tabs pattern, shared by the page's tab strips (terminals, inspect views): the strip is one
// Tab stop, and the arrows (wrapping) and Home/End choose the tab.

/** The tab a key moves to from `current` among `ids` (in order), or undefined for a key the pattern leaves alone. */
export function tabKeyTarget<T>(ids: readonly T[], current: T, key: string): T | undefined {
  const at = ids.indexOf(current);
  if (at < 0 || ids.length === 0) return undefined;
  switch (key) {
    case 'ArrowRight':
      return ids[(at + 1) % ids.length];
    case 'ArrowLeft':
      return ids[(at - 1 + ids.length) % ids.length];
    case 'Home':
      return ids[0];
    case 'End':
      return ids[ids.length - 1];
    default:
      return undefined;
  }
}
