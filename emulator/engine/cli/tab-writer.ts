// Go's text/tabwriter as the docker CLI sets it up for tables (minwidth 10, padding 3, spaces): cells end at
// tabs, each column as wide as its widest cell plus padding; the last cell of a line is not padded.

export function tabulate(text: string, options: { minWidth?: number; padding?: number } = {}): string {
  const minWidth = options.minWidth ?? 10;
  const padding = options.padding ?? 3;
  const lines = text.split('\n');
  const rows = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const cells of rows) {
    cells.slice(0, -1).forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Math.max(minWidth, width(c) + padding));
    });
  }
  return rows.map((cells) => cells.map((c, i) => (i < cells.length - 1 ? c + ' '.repeat((widths[i] as number) - width(c)) : c)).join('')).join('\n');
}

function width(text: string): number {
  return [...text].length;
}
