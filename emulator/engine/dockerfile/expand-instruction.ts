// Per-instruction variable expansion, following which arguments BuildKit expands for each instruction.
import { expandHeredocContent, expandWord, expandWords, type ExpansionEnv } from './expand.ts';
import type { Instruction, InstructionKind } from './types.ts';

/**
 * Instructions whose arguments are expanded by the builder (Dockerfile reference, "Environment replacement").
 * CMD/ENTRYPOINT/SHELL/HEALTHCHECK are not (the container's shell does it); RUN only expands its --mount values;
 * ONBUILD triggers are expanded when they run in the child build.
 */
export const EXPANDING_INSTRUCTIONS: ReadonlySet<InstructionKind> = new Set<InstructionKind>([
  'from', 'add', 'copy', 'env', 'arg', 'expose', 'label', 'stopsignal', 'user', 'volume', 'workdir', 'run',
]);

/**
 * A copy of `instruction` with its expandable arguments substituted and unquoted (BuildKit's Expand step):
 * FROM base/--platform, COPY/ADD sources/dest/--from/--chown/--chmod/--checksum/--exclude and the bodies of their
 * heredocs with an unquoted delimiter, ENV/LABEL keys and values,
 * ARG names and defaults, WORKDIR, USER, STOPSIGNAL, VOLUME paths, EXPOSE ports (which may split into several),
 * RUN --mount values. Other instructions come back unchanged. Throws ExpansionError.
 */
export function expandInstruction<T extends Instruction>(instruction: T, env: ExpansionEnv, escape: string = '\\'): T {
  const x = (word: string): string => expandWord(word, env, escape);
  const opt = (word: string | undefined): string | undefined => (word === undefined ? undefined : x(word));
  const i = instruction as Instruction;
  let out: Instruction;
  switch (i.kind) {
    case 'from':
      out = { ...i, base: x(i.base), ...(i.platform !== undefined ? { platform: x(i.platform) } : {}) };
      break;
    case 'copy':
    case 'add': {
      const from = opt(i.from);
      const chown = opt(i.chown);
      const chmod = opt(i.chmod);
      const checksum = opt(i.checksum);
      out = {
        ...i,
        sources: i.sources.map(x),
        dest: x(i.dest),
        exclude: i.exclude.map(x),
        // BuildKit's ExpandRaw: an unquoted delimiter's body gets variables, its quotes stay
        heredocs: i.heredocs.map((h) => (h.expand ? { ...h, content: expandHeredocContent(h.content, env) } : h)),
        ...(from !== undefined ? { from } : {}),
        ...(chown !== undefined ? { chown } : {}),
        ...(chmod !== undefined ? { chmod } : {}),
        ...(checksum !== undefined ? { checksum } : {}),
      };
      break;
    }
    case 'env':
    case 'label':
      out = { ...i, pairs: i.pairs.map((p) => ({ ...p, key: x(p.key), value: x(p.value) })) };
      break;
    case 'arg':
      out = {
        ...i,
        args: i.args.map((a) => (a.defaultValue === undefined ? { name: x(a.name) } : { name: x(a.name), defaultValue: x(a.defaultValue) })),
      };
      break;
    case 'workdir':
      out = { ...i, path: x(i.path) };
      break;
    case 'user':
      out = { ...i, user: x(i.user) };
      break;
    case 'stopsignal':
      out = { ...i, signal: x(i.signal) };
      break;
    case 'volume':
      out = { ...i, paths: i.paths.map(x) };
      break;
    case 'expose':
      out = { ...i, ports: i.ports.flatMap((p) => expandWords(p, env, escape)) };
      break;
    case 'run':
      out = { ...i, mounts: i.mounts.map(x) };
      break;
    default:
      out = i;
  }
  return out as T;
}
