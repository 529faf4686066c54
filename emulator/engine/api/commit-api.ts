// `POST /commit?container=&repo=&tag=&comment=&author=`: the Engine API's container commit.
import { apiPath } from './route-request.ts';
import { commitContainer, type CommitDeps } from '../containers/container-commit.ts';
import type { ContainerStore } from '../containers/container-store.ts';
import { EngineError } from '../errors.ts';
import { containerCreateRequest } from './docker-types.ts';
import { readJsonBody } from './go-json.ts';
import { jsonResponse } from './http-errors.ts';

export interface CommitApiDeps extends Omit<CommitDeps, 'guest'> {
  containers: ContainerStore;
  guest: () => CommitDeps['guest'] | undefined;
}

export function createCommitApi(deps: CommitApiDeps): (request: Request) => Promise<Response | undefined> {
  return async (request) => {
    const url = new URL(request.url);
    const path = apiPath(url);
    if (path !== '/commit' || request.method.toUpperCase() !== 'POST') return undefined;
    const q = url.searchParams;
    // dockerd decodes the body as a create request (its Config is applied to the image): bad types are a 400
    const config = await readJsonBody(request, containerCreateRequest, { emptyOk: true }).catch((e: unknown) => {
      if (e instanceof EngineError && e.message === 'invalid JSON: got EOF while reading request body') return undefined;
      throw e;
    });
    if (config && Object.keys(config).length > 0) throw new EngineError('NOT_IMPLEMENTED', 'a container config in the body of POST /commit is not implemented in drydock yet');
    const record = deps.containers.get(q.get('container') ?? '');
    const guest = deps.guest();
    if (!guest) throw new EngineError('CONFLICT', 'the machine is not running, so the container cannot be committed now');
    const repo = q.get('repo') ?? '';
    const tag = q.get('tag') ?? '';
    const reference = repo ? (tag ? `${repo}:${tag}` : repo) : undefined;
    const comment = q.get('comment') ?? '';
    const author = q.get('author') ?? '';
    const id = await commitContainer({ guest, content: deps.content, images: deps.images }, record, {
      ...(reference ? { reference } : {}),
      ...(comment ? { comment } : {}),
      ...(author ? { author } : {}),
    });
    return jsonResponse({ Id: id }, 201);
  };
}
