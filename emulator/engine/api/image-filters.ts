// `GET /images/json?filters=...`: the `reference` and `dangling` filters, with Docker's familiar-name glob matching.
import { EngineError } from '../errors.ts';
import type { ImageSummary } from '../image-api.ts';

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

export function filterImages(images: ImageSummary[], raw: string | null): ImageSummary[] {
  const filters = parseFilters(raw);
  for (const key of filters.keys()) {
    if (key !== 'reference' && key !== 'dangling') throw new EngineError('INVALID_ARGUMENT', `invalid filter '${key}'`);
  }
  let out = images;
  const dangling = filters.get('dangling');
  if (dangling?.length) {
    const want = dangling[0] === 'true' || dangling[0] === '1';
    out = out.filter((i) => (i.RepoTags.length === 0) === want);
  }
  const patterns = filters.get('reference');
  if (patterns?.length) {
    // Docker lists only the tags that match, dropping images with none.
    out = out
      .map((i) => ({ ...i, RepoTags: i.RepoTags.filter((t) => patterns.some((p) => referenceMatches(p, t))) }))
      .filter((i) => i.RepoTags.length > 0);
  }
  return out;
}

/** Docker's FamiliarMatch: the pattern is a path.Match glob against `name:tag` or `name`. */
export function referenceMatches(pattern: string, familiarTag: string): boolean {
  const colon = familiarTag.lastIndexOf(':');
  const name = colon > familiarTag.lastIndexOf('/') ? familiarTag.slice(0, colon) : familiarTag;
  const re = globToRegExp(pattern);
  return re.test(familiarTag) || re.test(name);
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
