// `GET /images/json?filters=...`: the `reference` and `dangling` filters, with Docker's familiar-name glob matching.
import { EngineError } from '../errors.ts';
import type { ImageSummary } from '../images/image-api.ts';

/** The Engine API's `filters` query parameter (images, containers, volumes): `{"reference":{"busybox":true}}`
 *  or the legacy `{"reference":["busybox"]}`. */
export function parseFilters(raw: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!raw) return out;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new EngineError('INVALID_ARGUMENT', `invalid filter: ${raw}`);
  }
  for (const [key, value] of Object.entries((json ?? {}) as Record<string, unknown>)) {
    const values = Array.isArray(value) ? value.map(String) : Object.keys((value ?? {}) as object);
    out.set(key, values);
  }
  return out;
}

/** filters.Args.MatchKVList: every `label` filter (`key` or `key=value`) holds for these labels; none given: true. */
export function labelsMatch(filters: readonly string[], labels: Readonly<Record<string, string>>): boolean {
  return filters.every((f) => {
    const eq = f.indexOf('=');
    return eq < 0 ? f in labels : labels[f.slice(0, eq)] === f.slice(eq + 1);
  });
}

/**
 * Docker's image list filters (daemon/images list): `reference` keeps only the tags and digests that match,
 * so an image appears with just those (none left: not listed); `dangling=true` keeps the images without a
 * tag, `dangling=false` drops the ones with neither tag nor digest.
 */
export function filterImages(images: ImageSummary[], raw: string | null): ImageSummary[] {
  const filters = parseFilters(raw);
  for (const key of filters.keys()) {
    if (key !== 'reference' && key !== 'dangling') throw new EngineError('INVALID_ARGUMENT', `invalid filter '${key}'`);
  }
  let out = images;
  const dangling = filters.get('dangling');
  if (dangling?.length) {
    const only = dangling.includes('true');
    if (!only && !dangling.includes('false')) throw new EngineError('INVALID_ARGUMENT', `invalid filter 'dangling=${dangling.join(',')}'`);
    out = out.filter((i) => (only ? i.RepoTags.length === 0 : i.RepoTags.length + i.RepoDigests.length > 0));
  }
  const patterns = filters.get('reference');
  if (patterns?.length) {
    const keep = (ref: string) => patterns.some((p) => referenceMatches(p, ref));
    out = out
      .map((i) => ({ ...i, RepoTags: i.RepoTags.filter(keep), RepoDigests: i.RepoDigests.filter(keep) }))
      .filter((i) => i.RepoTags.length + i.RepoDigests.length > 0);
  }
  return out;
}

/** Docker's FamiliarMatch: the pattern is a path.Match glob against the familiar `name:tag` / `name@digest`, or `name`. */
export function referenceMatches(pattern: string, familiarRef: string): boolean {
  const at = familiarRef.indexOf('@');
  const colon = familiarRef.lastIndexOf(':');
  const name = at >= 0 ? familiarRef.slice(0, at) : colon > familiarRef.lastIndexOf('/') ? familiarRef.slice(0, colon) : familiarRef;
  const re = globToRegExp(pattern);
  return re.test(familiarRef) || re.test(name);
}

function globToRegExp(glob: string): RegExp {
  let out = '';
  for (const ch of glob) {
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
