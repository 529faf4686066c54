// Finds a build context named by its guest path: under the 9p share it is read straight from the share in JS;
// anywhere else (guest tmpfs) the guest tars it into the share once and the tar is read here. Never over the
// agent's serial line, which moves ~50 KB/s.
import { unpackTar } from 'modern-tar';
import { EngineError } from '../errors.ts';
import type { GuestFs } from '../overlay/guest-fs.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { quoteWord } from '../runtime/shell-quote.ts';
import type { ContextSource } from './build.ts';
import { cleanPath } from './dockerignore.ts';
import { BUILD_SHARE_DIR } from './run-step.ts';
import { contextFromFs, contextFromTar } from './source-tree.ts';

export interface ContextLocation {
  /** absolute guest path of the context directory */
  context: string;
  /** the Dockerfile: relative to the context, or an absolute guest path; default `Dockerfile` */
  dockerfile?: string;
}

const decoder = new TextDecoder();

function randomName(): string {
  return [...crypto.getRandomValues(new Uint8Array(6))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A context path under the share with no symlink on the way is resolved in JS (the shim's cwd is physical, so
 * `cd /root/app && docker build .` arrives as /mnt/host/work): no guest round trip. Undefined: ask the guest.
 */
async function resolvedInShare(fs: GuestFs, shareMount: string, ctx: string): Promise<string | undefined> {
  if (!ctx.startsWith(`${shareMount}/`)) return undefined;
  const parts = ctx.slice(shareMount.length).split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const st = await fs.lstat(`/${parts.slice(0, i).join('/')}`);
    if (!st || st.kind === 'symlink') return undefined;
    if (i === parts.length && st.kind !== 'directory') return undefined;
  }
  return ctx;
}

async function resolvedByGuest(guest: GuestExec, ctx: string, asGiven: string): Promise<string> {
  const r = await guest.exec(['sh', '-c', 'cd "$1" 2>/dev/null || exit 2; pwd -P', 'resolve', ctx], { timeoutMs: 20_000 });
  if (r.exitCode === 2) throw new EngineError('INVALID_ARGUMENT', `unable to prepare context: path "${asGiven}" not found`);
  if (r.exitCode !== 0) throw new EngineError('INTERNAL', `unable to prepare context: ${decoder.decode(r.stderr).trim()}`);
  return decoder.decode(r.stdout).trim();
}

/** Resolves the context in the guest (symlinks too: /root/app -> /mnt/host/work) and picks the fast path. */
export async function guestContextSource(guest: GuestExec, fs: GuestFs, shareMount: string, where: ContextLocation): Promise<ContextSource> {
  const ctx = cleanPath(where.context);
  const real = (await resolvedInShare(fs, shareMount, ctx)) ?? (await resolvedByGuest(guest, ctx, where.context));
  const dfArg = where.dockerfile || 'Dockerfile';
  const dfGuest = dfArg.startsWith('/') ? cleanPath(dfArg) : cleanPath(`${real}/${dfArg}`);
  const dfName = dfArg.startsWith('/') ? dfArg.slice(dfArg.lastIndexOf('/') + 1) : dfArg;
  const inShare = (p: string) => (p === shareMount || p.startsWith(`${shareMount}/`) ? p.slice(shareMount.length) || '/' : undefined);
  const notFound = () => new EngineError('INVALID_ARGUMENT', `failed to read dockerfile: open ${dfName}: no such file or directory`);

  /** A guest file outside the share: small files (a Dockerfile) may come over the agent. */
  const guestFile = async (path: string): Promise<string | undefined> => {
    const sharePath = inShare(path);
    if (sharePath !== undefined) return (await fs.lstat(sharePath))?.kind === 'file' ? decoder.decode(await fs.readFile(sharePath)) : undefined;
    const c = await guest.exec(['cat', path], { timeoutMs: 20_000 });
    return c.exitCode === 0 ? decoder.decode(c.stdout) : undefined;
  };
  const ignoreFile = async (read: (p: string) => Promise<string | undefined>) => (await read(`${dfGuest}.dockerignore`)) ?? (await read(`${real}/.dockerignore`));

  const shareDir = inShare(real);
  if (shareDir !== undefined) {
    return {
      async dockerfile() {
        const text = await guestFile(dfGuest);
        if (text === undefined) throw notFound();
        return { name: dfName, text };
      },
      dockerignore: () => ignoreFile(guestFile),
      load: (ignore) => contextFromFs(fs, shareDir, ignore),
    };
  }

  // Outside the share: one tar of the whole directory into the share, read here.
  const tarPath = `${BUILD_SHARE_DIR}/context-${randomName()}.tar`;
  const t = await guest.exec(['sh', '-c', `mkdir -p ${quoteWord(shareMount + BUILD_SHARE_DIR)} && tar -C ${quoteWord(real)} -c . | cat > ${quoteWord(shareMount + tarPath)}`], { timeoutMs: 600_000 });
  if (t.exitCode !== 0) {
    await fs.rm(tarPath);
    throw new EngineError('INTERNAL', `unable to prepare context: ${decoder.decode(t.stderr).trim()}`);
  }
  let tar: Uint8Array;
  try {
    tar = await fs.readFile(tarPath);
  } finally {
    await fs.rm(tarPath);
  }
  const files = new Map<string, Uint8Array>();
  for (const e of await unpackTar(tar)) if ((e.header.type ?? 'file') === 'file') files.set(`${real}/${cleanPath(e.header.name)}`.replace(/\/\.$/, ''), e.data ?? new Uint8Array(0));
  const fromTar = async (p: string) => {
    const b = files.get(cleanPath(p));
    return b ? decoder.decode(b) : (await guestFile(p));
  };
  return {
    async dockerfile() {
      const text = await fromTar(dfGuest);
      if (text === undefined) throw notFound();
      return { name: dfName, text };
    },
    dockerignore: () => ignoreFile(fromTar),
    load: (ignore) => contextFromTar(tar, ignore),
  };
}
