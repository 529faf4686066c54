// The python image's bytecode: Debian ships no .pyc files and compiles them in the packages' postinst (py3compile),
// which an unpacked package never runs. Without them every container compiled each module it imported, in the
// emulated CPU (`import http.server`: 26 s the first time in a container, 3.2 s once its __pycache__ existed).

import { cpSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runInImage } from './image-chroot.ts';

/** Where the stdlib and Debian's python3 modules live; their __pycache__ directories go into the layer. */
const MODULE_DIRS = ['usr/lib/python3.11', 'usr/lib/python3/dist-packages'];

/**
 * Runs the image's own python's compileall over its modules and copies the __pycache__ directories into `root`.
 * checked-hash pycs: the layer tar gives every file one mtime, so timestamp pycs would all look stale; a hash also
 * keeps the build reproducible and still notices a module a learner edits in a container. `-B` and `-f`: the modules
 * compileall imports itself would otherwise get timestamp pycs from the import, which compileall then keeps.
 */
export function compilePythonModules(root: string, lowerRoots: string[]): void {
  runInImage(
    [...lowerRoots, root],
    ['/usr/bin/python3.11', '-B', '-m', 'compileall', '-q', '-f', '-j', '1', '--invalidation-mode', 'checked-hash', ...MODULE_DIRS.map((d) => `/${d}`)],
    (chroot) => {
      for (const dir of MODULE_DIRS) {
        for (const entry of readdirSync(join(chroot, dir), { recursive: true, withFileTypes: true })) {
          if (!entry.isDirectory() || entry.name !== '__pycache__') continue;
          const cache = join(entry.parentPath, entry.name);
          cpSync(cache, join(root, relative(chroot, cache)), { recursive: true });
        }
      }
    },
  );
}
