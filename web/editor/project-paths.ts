// Project paths: relative, slash-separated, no "." or ".." segments ("src/index.js"); checked once, here.

/** Normalises "./src//index.js" to "src/index.js"; refuses "..", empty paths and NUL bytes. */
export function projectPath(path: string): string {
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0) throw new Error(`Not a file or folder name: ${JSON.stringify(path)}`);
  if (parts.includes('..')) throw new Error(`Project paths must not contain "..": ${path}`);
  if (parts.some((part) => part.includes('\0'))) throw new Error(`Project paths must not contain NUL: ${JSON.stringify(path)}`);
  return parts.join('/');
}

/** "a/b/c" -> ["a", "a/b"]. */
export function ancestors(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

export function isInside(path: string, folder: string): boolean {
  return path.startsWith(`${folder}/`);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Folders before files at each level, then by name: how file trees usually read. */
export function compareTreePaths(a: { path: string; folder: boolean }, b: { path: string; folder: boolean }): number {
  const pa = a.path.split('/');
  const pb = b.path.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    // A name that continues deeper is a folder at this level.
    const aFolder = i < pa.length - 1 || a.folder;
    const bFolder = i < pb.length - 1 || b.folder;
    if (aFolder !== bFolder) return aFolder ? -1 : 1;
    return pa[i]! < pb[i]! ? -1 : 1;
  }
  return pa.length - pb.length;
}
