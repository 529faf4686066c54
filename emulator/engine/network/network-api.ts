// Engine API routes for networks: `GET /networks`, `GET /networks/{id}`, `POST /networks/create`,
// `DELETE /networks/{id}`, `POST /networks/{id}/connect|disconnect`, `POST /networks/prune`, answered as
// dockerd does (its lookups, refusals and status codes). Undefined for routes that are not these.
import { apiPath } from '../api/route-request.ts';
import { decodePathSegment } from '../api/path-segment.ts';
import { jsonResponse } from '../api/http-errors.ts';
import { parseFilters } from '../api/image-filters.ts';
import { EngineError } from '../errors.ts';
import type { ContainerNetworking } from './container-networking.ts';
import { filterNetworks, networkJSON } from './network-json.ts';
import { bridgeName, isPredefined, type NetworkCreateRequest, type NetworkRecord, type NetworkStore } from './network-store.ts';
import { networkConnectOptions, networkCreateRequest, networkDisconnectOptions } from '../api/docker-types.ts';
import { readJsonBody } from '../api/go-json.ts';

export interface NetworkApiDeps {
  networks: NetworkStore;
  networking: ContainerNetworking;
}

export function createNetworkApi(deps: NetworkApiDeps): (request: Request) => Promise<Response | undefined> {
  const { networks, networking } = deps;
  const attached = (n: NetworkRecord) => networking.endpointsOn(n.id);

  async function remove(n: NetworkRecord): Promise<void> {
    if (isPredefined(n.name)) throw new EngineError('DENIED', `${n.name} is a pre-defined network and cannot be removed`);
    const eps = attached(n);
    if (eps.length > 0) {
      const list = eps.map(({ record, endpoint }) => `name:"${record.name}" id:"${endpoint.settings.EndpointID.slice(0, 12)}"`).join(', ');
      throw new EngineError('DENIED', `error while removing network: network ${n.name} has active endpoints (${list})`);
    }
    await networking.driver?.removeNetwork({ id: n.id, name: n.name, bridge: bridgeName(n), subnet: n.subnet as string, gateway: n.gateway as string, internal: n.internal, embeddedDns: true });
    await networks.remove(n.id);
  }

  return async (request) => {
    const url = new URL(request.url);
    const q = url.searchParams;
    const path = apiPath(url);
    const method = request.method.toUpperCase();
    if (path === '/networks' && method === 'GET') {
      const list = filterNetworks(networks.list(), parseFilters(q.get('filters')), (n) => attached(n).length > 0);
      return jsonResponse(list.map((n) => networkJSON(n)));
    }
    if (path === '/networks/create' && method === 'POST') {
      const body = (await readJsonBody(request, networkCreateRequest, { emptyOk: true })) ?? ({} as NetworkCreateRequest);
      const n = await networks.create(body);
      return jsonResponse({ Id: n.id, Warning: '' }, 201);
    }
    if (path === '/networks/prune' && method === 'POST') {
      const filters = parseFilters(q.get('filters'));
      for (const key of filters.keys()) if (key !== 'label' && key !== 'label!' && key !== 'until') throw new EngineError('INVALID_ARGUMENT', `invalid filter '${key}'`);
      const labels = filters.get('label') ?? [];
      const notLabels = filters.get('label!') ?? [];
      const deleted: string[] = [];
      for (const n of networks.list()) {
        if (isPredefined(n.name) || attached(n).length > 0) continue;
        const has = (l: string) => {
          const eq = l.indexOf('=');
          return eq < 0 ? l in n.labels : n.labels[l.slice(0, eq)] === l.slice(eq + 1);
        };
        if (!labels.every(has) || notLabels.some(has)) continue;
        await remove(n);
        deleted.push(n.name);
      }
      return jsonResponse({ NetworksDeleted: deleted.length > 0 ? deleted : null });
    }
    const one = /^\/networks\/([^/]+)(\/connect|\/disconnect)?$/.exec(path);
    if (!one) return undefined;
    const term = decodePathSegment(one[1] as string);
    const action = one[2];
    if (action === undefined && method === 'GET') {
      const n = networks.get(term);
      return jsonResponse(networkJSON(n, attached(n)));
    }
    if (action === undefined && method === 'DELETE') {
      await remove(networks.get(term));
      return new Response(null, { status: 204 });
    }
    if (action === '/connect' && method === 'POST') {
      const body = (await readJsonBody(request, networkConnectOptions, { emptyOk: true })) ?? {};
      await networking.connect(body.Container ?? '', term, body.EndpointConfig ?? {});
      return new Response(null, { status: 200 });
    }
    if (action === '/disconnect' && method === 'POST') {
      const body = (await readJsonBody(request, networkDisconnectOptions, { emptyOk: true })) ?? {};
      await networking.disconnect(body.Container ?? '', term, body.Force ?? false);
      return new Response(null, { status: 200 });
    }
    return undefined;
  };
}
