// Images for a project: `build` sections built through `POST /build` (BuildKit's plain progress on stderr, as
// `docker compose build` prints with --progress plain), and `--rmi` at `down`.
import { PlainProgress, type BuildEvent } from '../../builder/progress.ts';
import type { ComposeProject } from '../../compose/model.ts';
import { resolvePath } from '../../compose/normalize.ts';
import { CliError } from '../command.ts';
import { DaemonError, StreamError } from '../engine-client.ts';
import { displayJsonMessages } from '../json-messages.ts';
import type { ComposeContext } from './compose-context.ts';
import { serviceImage } from './service-container.ts';

/** Pulls a service's image with Compose's progress row (`web Pulling` / `web Pulled`). */
export async function pullServiceImage(ctx: ComposeContext, service: string, image: string): Promise<void> {
  const progress = ctx.progress();
  progress.event(service, 'Pulling', 'working');
  const at = image.lastIndexOf(':');
  const tagged = at > image.lastIndexOf('/');
  const response = await ctx.client.request('POST', '/images/create', { query: { fromImage: tagged ? image.slice(0, at) : image, tag: tagged ? image.slice(at + 1) : 'latest' } });
  const error = (await response.text()).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { error?: string }).find((m) => m.error)?.error;
  progress.event(service, error ? 'Error' : 'Pulled', error ? 'error' : 'done');
  if (error) throw new CliError(`Error response from daemon: ${error}`);
}

/** Builds a service's image (tagged as the service's image name) and resolves with its ID. */
export async function buildService(ctx: ComposeContext, project: ComposeProject, service: string): Promise<string> {
  const build = project.services[service]?.build;
  if (!build) throw new CliError(`service "${service}" has no build section`);
  const params = new URLSearchParams();
  params.set('t', serviceImage(project, service));
  params.set('context', build.context);
  params.set('dockerfile', resolvePath(build.context, build.dockerfile));
  const args = Object.fromEntries(Object.entries(build.args ?? {}).filter(([, v]) => v !== null));
  if (Object.keys(args).length > 0) params.set('buildargs', JSON.stringify(args));
  if (build.target) params.set('target', build.target);
  params.set('version', '2');
  const printer = new PlainProgress((t) => ctx.err(t));
  let response: Response;
  try {
    response = await ctx.client.request('POST', `/build?${params.toString()}`, { signal: ctx.raw.session.signal });
  } catch (e) {
    if (e instanceof DaemonError) throw new CliError(`failed to solve: ${e.message}`);
    throw e;
  }
  let id: string | undefined;
  try {
    await displayJsonMessages(response.body ?? new ReadableStream(), { write: () => {} }, (aux) => {
      const a = aux as { ID?: string } & Partial<BuildEvent>;
      if (typeof a.ID === 'string' && a.type === undefined) id = a.ID;
      else printer.event(aux as BuildEvent);
    });
  } catch (e) {
    if (e instanceof StreamError) throw new CliError(`failed to solve: ${e.message}`);
    throw e;
  }
  if (!id) throw new CliError(`failed to solve: the build of service "${service}" gave no image`);
  return id;
}
