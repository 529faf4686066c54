// What every Engine API router reads off a request the same way: the path without its `/vN.NN` prefix, and a
// boolean query value as moby's httputils.BoolValue reads it.

/** `/v1.43/containers/json` -> `/containers/json` (an unversioned path is kept as it is). */
export function apiPath(url: URL): string {
  return url.pathname.replace(/^\/v\d+\.\d+(?=\/)/, '');
}

/** httputils.BoolValue: absent, empty, `0`, `no`, `false` and `none` (any case) are false; anything else is true. */
export function boolValue(value: string | null): boolean {
  return !['', '0', 'no', 'false', 'none'].includes((value ?? '').trim().toLowerCase());
}
