// Engine API routes for the container model and volumes (`/containers/json`, `/containers/create`, inspect, rm,
// rename, prune, wait, logs, `/volumes...`), for the engine's router to try before its not-implemented fallback.
// Process work (start, stop, kill, pause, attach, exec) is the runtime's: those routes are left to the router.
import { apiPath, boolValue } from '../api/route-request.ts';
import { decodePathSegment } from '../api/path-segment.ts';
import { jsonResponse } from '../api/http-errors.ts';
import { EngineError } from '../errors.ts';
import { createContainer, type CreateDeps, type ImageForCreate } from './container-create.ts';
import { listContainers } from './container-filters.ts';
import { containerInspect, containerSummary } from './container-json.ts';
import { forgetContainer, pruneContainers, waitContainer, type WaitCondition } from './container-ops.ts';
import type { ContainerRecord, ContainerStore } from './container-store.ts';
import { verifyCreateRequest } from './create-config.ts';
import { containerConfig, containerCreateRequest, volumeCreateOptions } from '../api/docker-types.ts';
import { readJsonBody } from '../api/go-json.ts';
import { encodeLogEntry, parseLogsQuery } from './logs-api.ts';
import type { LogStore } from './log-store.ts';
import type { VolumeStore } from './volume-store.ts';
import { parseFilters } from '../api/image-filters.ts';

export interface ContainersApiDeps {
  containers: ContainerStore;
  volumes: VolumeStore;
  logs: LogStore;
  /** the image a create names (Config.Image), unpacked; throws `No such image: x` (NOT_FOUND): the client pulls */
  image(ref: string): Promise<ImageForCreate>;
  /** an image reference -> its ID, for `ancestor=` */
  resolveImage?: (ref: string) => string | undefined;
  /** stops a running container for `rm -f` (SIGKILL, resolves once it has exited); without it rm -f refuses */
  kill?: (record: ContainerRecord) => Promise<void>;
  hostHostname?: string;
  /** the engine's networks, for `--network NAME` and `--ip` checks at create */
  networks?: CreateDeps['networks'];
  now?: () => number;
  /** `size=1` on inspect: the upper dir's bytes (read in the guest) and the image's; without it inspect ignores `size` */
  size?: (record: ContainerRecord) => Promise<{ rw: number; rootFs: number }>;
}

export type ContainersApi = (request: Request) => Promise<Response | undefined>;


export function createContainersApi(deps: ContainersApiDeps): ContainersApi {
  const now = deps.now ?? Date.now;

  return async (request) => {
    const url = new URL(request.url);
    const q = url.searchParams;
    const path = apiPath(url);
    const method = request.method.toUpperCase();

    if (path === '/containers/json' && method === 'GET') {
      const limit = Number(q.get('limit') ?? '0');
      const records = listContainers(deps.containers, {
        all: boolValue(q.get('all')),
        ...(limit > 0 ? { limit } : {}),
        filters: parseFilters(q.get('filters')),
        ...(deps.resolveImage ? { resolveImage: deps.resolveImage } : {}),
      });
      return jsonResponse(records.map((r) => containerSummary(r, now())));
    }
    if (path === '/containers/create' && method === 'POST') {
      const body = await readJsonBody(request, containerCreateRequest);
      // the embedded *Config stays nil unless one of its keys came (dockerd: ErrEmptyConfig)
      if (body === undefined || ![...containerConfig.keys.keys()].some((k) => k in body)) throw new EngineError('INVALID_ARGUMENT', 'config cannot be empty in order to create a container');
      const create = verifyCreateRequest(body, { name: q.get('name'), platform: q.get('platform') });
      // A taken name is refused before the image is looked at (nothing pulled for nothing).
      if (create.Name !== undefined) deps.containers.checkName(create.Name);
      const image = await deps.image(create.Config.Image);
      const warnings: string[] = [];
      const record = await createContainer(
        { containers: deps.containers, volumes: deps.volumes, ...(deps.hostHostname ? { hostHostname: deps.hostHostname } : {}), ...(deps.networks ? { networks: deps.networks } : {}) },
        create,
        image,
        warnings,
      );
      return jsonResponse({ Id: record.id, Warnings: warnings }, 201);
    }
    if (path === '/containers/prune' && method === 'POST') {
      const labels = parseFilters(q.get('filters')).get('label') ?? [];
      const removed = await pruneContainers(deps, { labels });
      return jsonResponse({ ContainersDeleted: removed.length > 0 ? removed : null, SpaceReclaimed: 0 });
    }
    const one = /^\/containers\/([^/]+)(\/[a-z]+)?$/.exec(path);
    if (one) {
      const ref = decodePathSegment(one[1] as string);
      const action = one[2];
      if (action === '/json' && method === 'GET') {
        const record = deps.containers.get(ref);
        const body = containerInspect(record, (id) => deps.containers.find(id)?.name);
        // dockerd adds SizeRw and SizeRootFs only when asked (they cost a walk of the upper dir)
        if (deps.size && boolValue(q.get('size'))) {
          const size = await deps.size(record);
          return jsonResponse({ ...body, SizeRw: size.rw, SizeRootFs: size.rootFs });
        }
        return jsonResponse(body);
      }
      if (action === undefined && method === 'DELETE') return remove(ref, q);
      if (action === '/rename' && method === 'POST') {
        await deps.containers.rename(ref, q.get('name') ?? '');
        return new Response(null, { status: 204 });
      }
      if (action === '/wait' && method === 'POST') {
        const condition = (q.get('condition') || 'not-running') as WaitCondition;
        if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw new EngineError('INVALID_ARGUMENT', `invalid condition: "${condition}"`);
        // dockerd answers 200 at once and writes the result when it comes: the docker CLI's `run -d` sends
        // its start only once the wait's headers have arrived
        const waited = waitContainer(deps.containers, ref, condition, request.signal);
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            waited.then(
              (r) => (c.enqueue(new TextEncoder().encode(`${JSON.stringify(r)}\n`)), c.close()),
              () => c.close(),
            );
          },
        });
        return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } });
      }
      if (action === '/logs' && method === 'GET') return logs(ref, q, request.signal);
    }

    if (path === '/volumes' && method === 'GET') {
      const filters = parseFilters(q.get('filters'));
      for (const key of filters.keys()) if (key !== 'dangling' && key !== 'name') throw new EngineError('INVALID_ARGUMENT', `invalid filter '${key}'`);
      const dangling = filters.get('dangling')?.[0];
      const name = filters.get('name')?.[0];
      const volumes = deps.volumes.list({ ...(dangling !== undefined ? { dangling: dangling === 'true' || dangling === '1' } : {}), ...(name !== undefined ? { name } : {}) });
      return jsonResponse({ Volumes: volumes, Warnings: null });
    }
    if (path === '/volumes/create' && method === 'POST') {
      const body = (await readJsonBody(request, volumeCreateOptions, { emptyOk: true })) ?? {};
      if (body.Driver && body.Driver !== 'local') throw new EngineError('NOT_FOUND', `error looking up volume plugin ${body.Driver}: plugin "${body.Driver}" not found`);
      return jsonResponse(await deps.volumes.create({ ...(body.Name ? { name: body.Name } : {}), ...(body.Labels ? { labels: body.Labels } : {}) }), 201);
    }
    if (path === '/volumes/prune' && method === 'POST') {
      const all = parseFilters(q.get('filters')).get('all')?.[0];
      const removed = await deps.volumes.prune({ all: all === 'true' || all === '1' });
      return jsonResponse({ VolumesDeleted: removed.length > 0 ? removed : null, SpaceReclaimed: 0 });
    }
    const volume = /^\/volumes\/([^/]+)$/.exec(path);
    if (volume) {
      const name = decodePathSegment(volume[1] as string);
      if (method === 'GET') return jsonResponse(deps.volumes.inspect(name));
      if (method === 'DELETE') {
        await deps.volumes.remove(name, { force: boolValue(q.get('force')) });
        return new Response(null, { status: 204 });
      }
    }
    return undefined;
  };

  async function remove(ref: string, q: URLSearchParams): Promise<Response> {
    const force = boolValue(q.get('force'));
    let record = deps.containers.checkRemovable(ref, force);
    const running = ['running', 'paused', 'restarting'].includes(record.state.status);
    if (running) {
      if (!deps.kill) throw new EngineError('CONFLICT', `You cannot remove a running container ${record.id}. Stop the container before attempting removal or force remove`);
      await deps.kill(record);
      record = deps.containers.get(record.id);
    }
    await forgetContainer(deps, record, { volumes: boolValue(q.get('v')) });
    return new Response(null, { status: 204 });
  }

  function logs(ref: string, q: URLSearchParams, signal: AbortSignal): Response {
    const record = deps.containers.get(ref);
    const query = parseLogsQuery(q, now());
    const tty = record.config.Tty;
    const running = ['running', 'paused', 'restarting'].includes(record.state.status);
    let dispose = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const encode = (e: Parameters<typeof encodeLogEntry>[0]) => encodeLogEntry(e, { tty, timestamps: query.timestamps });
        if (!query.follow) {
          for (const e of deps.logs.read(record.id, query)) controller.enqueue(encode(e));
          controller.close();
          return;
        }
        let closed = false;
        const end = () => {
          if (closed) return;
          closed = true;
          dispose();
          controller.close();
        };
        dispose = deps.logs.follow(record.id, { entry: (e) => !closed && controller.enqueue(encode(e)), end }, { ...query, running });
        signal.addEventListener('abort', end, { once: true });
      },
      cancel() {
        dispose();
      },
    });
    const type = tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream';
    return new Response(body, { status: 200, headers: { 'Content-Type': type } });
  }
}
