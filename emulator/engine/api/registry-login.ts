// `POST /auth`: checks credentials against a registry the way dockerd does (GET /v2/, then the challenge it
// answers with: basic, or a bearer token fetched with the credentials). A registry that asks nothing accepts anyone.
import { EngineError } from '../errors.ts';
import { type Credentials, type FetchLike, parseChallenge } from '../registry/registry-client.ts';

export async function checkLogin(fetch: FetchLike, baseUrl: string, creds: Credentials, signal?: AbortSignal): Promise<void> {
  const url = `${baseUrl}/v2/`;
  const basic = `Basic ${base64(`${creds.username}:${creds.password}`)}`;
  const first = await reach(fetch, url, {}, signal);
  if (first.status !== 401) {
    // No challenge: the registry asks nothing of anyone (the static registry answers 404 here), so any login works.
    await first.body?.cancel();
    return;
  }
  const challenge = parseChallenge(first.headers.get('WWW-Authenticate'));
  await first.body?.cancel();
  if (challenge?.scheme === 'bearer') {
    const realm = challenge.params.realm;
    if (!realm) throw new EngineError('PROTOCOL', `registry at ${baseUrl} asked for a bearer token without a realm`);
    const tokenUrl = new URL(realm, url);
    if (challenge.params.service) tokenUrl.searchParams.set('service', challenge.params.service);
    const token = await reach(fetch, tokenUrl.href, { headers: { Authorization: basic } }, signal);
    await token.body?.cancel();
    if (!token.ok) throw new EngineError('UNAUTHORIZED', `Get "${tokenUrl.href}": unauthorized: incorrect username or password`);
    return;
  }
  const second = await reach(fetch, url, { headers: { Authorization: basic } }, signal);
  await second.body?.cancel();
  if (!second.ok) throw new EngineError('UNAUTHORIZED', `login attempt to ${url} failed with status: ${second.status} ${second.statusText}`.trim());
}

async function reach(fetch: FetchLike, url: string, init: RequestInit, signal?: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, { ...init, ...(signal ? { signal } : {}) });
  } catch (e) {
    throw new EngineError('REGISTRY_UNREACHABLE', `Get "${url}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function base64(text: string): string {
  let binary = '';
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  return btoa(binary);
}
