// `-f, --filter key=value` as the docker CLI's FilterOpt collects it (filters.ParseFlag): the key lowercased, key
// and value trimmed, repeats kept, sent as the API's `filters` JSON ({"key": {"value": true}}).

/** The `filters` query value for these flags; undefined when there are none. `fail` makes the flag error. */
export function filtersQuery(values: readonly string[], fail: (message: string) => Error): string | undefined {
  const filters: Record<string, Record<string, boolean>> = {};
  for (const f of values) {
    const eq = f.indexOf('=');
    if (eq < 0) throw fail(`invalid argument "${f}" for "-f, --filter" flag: bad format of filter (expected name=value)`);
    (filters[f.slice(0, eq).trim().toLowerCase()] ??= {})[f.slice(eq + 1).trim()] = true;
  }
  return Object.keys(filters).length > 0 ? JSON.stringify(filters) : undefined;
}
