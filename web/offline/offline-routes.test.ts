import { describe, expect, it } from 'vitest';
import { blobKey, offlineRoute, type RoutedRequest } from './offline-routes.ts';

const HEX = 'b'.repeat(64);
const scope = new URL('http://127.0.0.1:4314/drydock/e2e/');
const get = (path: string, mode: RequestMode = 'cors'): RoutedRequest => ({ url: new URL(path, scope).href, method: 'GET', mode });

describe('offline routes', () => {
  it('answers the app shell, the guest and registry manifests from the precache, by their own address', () => {
    for (const path of ['assets/App-BE5TnoND.js', 'assets/v86-BshLEa5c.wasm', 'guest/state.bin.zst', 'registry/v2/busybox/manifests/latest',
      `registry/v2/busybox/manifests/sha256:${HEX}`, 'registry/v2/_catalog']) {
      expect(offlineRoute(get(path), scope), path).toEqual({ kind: 'app', key: new URL(path, scope).href });
    }
  });

  it('answers a navigation to the base or a page with its file, whatever its query', () => {
    const index = { kind: 'app', key: `${scope.href}index.html` };
    expect(offlineRoute(get('./', 'navigate'), scope)).toEqual(index);
    expect(offlineRoute(get('./?lesson=01#/x', 'navigate'), scope)).toEqual(index);
    expect(offlineRoute(get('index.html?embed', 'navigate'), scope)).toEqual(index);
    // a fetch with a query is not a file of the build
    expect(offlineRoute(get('guest/manifest.json?v=2'), scope)).toEqual({ kind: 'pass' });
  });

  it('keeps one blob per digest, whichever registry path asked for it', () => {
    const route = { kind: 'blob', key: `${scope.href}registry/blobs/sha256/${HEX}`, digest: `sha256:${HEX}` };
    expect(offlineRoute(get(`registry/v2/busybox/blobs/sha256:${HEX}`), scope)).toEqual(route);
    expect(offlineRoute(get(`registry/v2/busybox/blobs/sha256%3A${HEX}`), scope)).toEqual(route);
    expect(offlineRoute(get(`registry/blobs/sha256/${HEX}`), scope)).toEqual(route);
    expect(blobKey(`sha256:${HEX}`, scope)).toBe(route.key);
  });

  it('leaves alone published ports, other methods, origins and paths, the worker and the manifest', () => {
    const pass = { kind: 'pass' };
    expect(offlineRoute(get('ports/8080/index.html', 'navigate'), scope)).toEqual(pass);
    expect(offlineRoute(get('ports/8080/assets/App.js'), scope)).toEqual(pass);
    expect(offlineRoute({ ...get('index.html'), method: 'HEAD' }, scope)).toEqual(pass);
    expect(offlineRoute({ ...get(`registry/blobs/sha256/${HEX}`), method: 'PUT' }, scope)).toEqual(pass);
    expect(offlineRoute({ url: 'https://registry-1.docker.io/v2/', method: 'GET', mode: 'cors' }, scope)).toEqual(pass);
    expect(offlineRoute({ url: 'http://127.0.0.1:4314/other/index.html', method: 'GET', mode: 'navigate' }, scope)).toEqual(pass);
    expect(offlineRoute(get('port-sw.js'), scope)).toEqual(pass);
    expect(offlineRoute(get('offline-manifest.json'), scope)).toEqual(pass);
  });

  it('works at the root of a host too', () => {
    const root = new URL('https://example.org/');
    expect(offlineRoute({ url: 'https://example.org/', method: 'GET', mode: 'navigate' }, root)).toEqual({ kind: 'app', key: 'https://example.org/index.html' });
    expect(offlineRoute({ url: 'https://example.org/ports/80/', method: 'GET', mode: 'navigate' }, root)).toEqual({ kind: 'pass' });
  });
});
