// Warm-up of a new guest in its idle time: v86 compiles guest code to WebAssembly only once it has run a while, so
// the learner's first `docker run`s pay for interpreting the kernel's namespace, cgroup and overlay paths, the agent
// and drydock-init. A few throw-away containers, made as `docker run --rm --network none busybox true` would be
// (the same spec pipeline, seccomp and device programs), run those paths first. Their root is the guest's own
// file system (no image is pulled, nothing shows in `docker ps` or `docker images`), their bundle on /run.
import { hostConfigFor, mergeContainerConfig, DEFAULT_PATH } from '../containers/container-config.ts';
import { verifyCreateRequest } from '../containers/create-config.ts';
import { buildRuntimeSpec } from '../containers/spec.ts';
import type { ContainerLayout } from './lower.ts';
import type { ContainerRuntime } from './runtime.ts';

export interface WarmUpOptions {
  /** containers to run, one after the other */
  runs?: number;
  /** asked before each container: true stops the warm-up (the learner has started something) */
  stop?: () => boolean;
  /** why a warm-up container failed (it then ends the warm-up) */
  onError?: (error: unknown) => void;
}

/** The layout of warm-up container `n`: a bundle of its own on /run, the guest's `/` as its only lower dir. */
export function warmUpLayout(n: number): ContainerLayout {
  const id = `drydock-warm-up-${n}`;
  const bundle = `/run/drydock/${id}`;
  return { id, bundle, rootfs: { lowerDirs: ['/'], upperDir: `${bundle}/upper`, workDir: `${bundle}/work`, mergedDir: `${bundle}/rootfs` } };
}

/** Runs the warm-up containers; resolves with how many ran to their end. Failures end it quietly: it is only a warm-up. */
export async function warmUpRuntime(runtime: ContainerRuntime, options: WarmUpOptions = {}): Promise<number> {
  const runs = options.runs ?? 3;
  // what `docker run --rm --network none drydock-warm-up true` sends, read as the daemon reads any create body
  const create = verifyCreateRequest({ Image: 'drydock-warm-up', Cmd: ['true'], AttachStdout: true, AttachStderr: true, HostConfig: { AutoRemove: true, NetworkMode: 'none' } });
  let done = 0;
  for (let n = 0; n < runs && !options.stop?.(); n++) {
    const layout = warmUpLayout(n);
    const config = mergeContainerConfig(create, { Env: [`PATH=${DEFAULT_PATH}`] }, { id: layout.id, imageName: 'drydock-warm-up', hostHostname: 'drydock', mounts: [], networkMode: create.HostConfig.NetworkMode });
    const spec = buildRuntimeSpec({ id: layout.id, config, hostConfig: hostConfigFor(create.HostConfig, []), mounts: [], paths: { bundle: layout.bundle, rootfs: layout.rootfs.mergedDir } });
    // hostname, hosts and resolv.conf are the engine's files in the bundle, written at a real start: left out here
    spec.mounts = spec.mounts.filter((m) => !m.source?.startsWith(`${layout.bundle}/`));
    try {
      await runtime.create(spec, layout);
    } catch (error) {
      options.onError?.(error);
      return done;
    }
    try {
      const stderr: Uint8Array[] = [];
      await runtime.start(layout.id, { onStderr: (b) => void stderr.push(b) }).catch(() => undefined);
      const end = await runtime.wait(layout.id);
      if (end.exitCode !== 0) {
        const said = stderr.map((b) => new TextDecoder().decode(b)).join('').trim();
        options.onError?.(new Error(`warm-up container ${layout.id} exited ${end.exitCode}${said ? `: ${said}` : ''}`));
        return done;
      }
      done++;
    } finally {
      await runtime.delete(layout.id).catch(() => undefined);
    }
  }
  return done;
}
