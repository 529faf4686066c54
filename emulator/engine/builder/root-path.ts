// A path resolved inside a root the way BuildKit resolves COPY sources and destinations (its contenthash
// rootPath, after filepath-securejoin): every symlink on the way is followed, an absolute target restarts from
// the root, and `..` never climbs above it. So a context's `lnk -> /etc` names the context's own `etc`, never the
// guest's, and an image's `/bin -> usr/bin` is followed inside the image.
import { EngineError } from '../errors.ts';

/** What the resolver needs to know of a path (absolute inside the root): a symlink's target, or that it is something else. */
export type LinkLookup = (path: string) => Promise<{ kind: string; target?: string } | undefined>;

/** BuildKit's bound on symlinks followed for one path (contenthash maxSymlinkLimit). */
export const MAX_SYMLINKS = 255;

/**
 * `path` (absolute or relative to the root) as a clean absolute path inside the root, symlinks followed; the last
 * component's link too when `followFinal`. Missing components are taken as they are (nothing to follow).
 */
export async function resolveInRoot(path: string, lookup: LinkLookup, followFinal = true): Promise<string> {
  let rest = path.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let links = 0;
  while (rest.length > 0) {
    const part = rest[0] as string;
    rest = rest.slice(1);
    if (part === '..') {
      done.pop();
      continue;
    }
    const next = `/${[...done, part].join('/')}`;
    const st = await lookup(next);
    if (st?.kind !== 'symlink' || (!followFinal && rest.length === 0)) {
      done.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new EngineError('INVALID_ARGUMENT', `${path}: too many links`);
    const target = st.target ?? '';
    if (target.startsWith('/')) done.length = 0;
    rest = [...target.split('/').filter((p) => p !== '' && p !== '.'), ...rest];
  }
  return `/${done.join('/')}`;
}
