import { describe, expect, it } from 'vitest';
import { absolutePathTarget, isAppPage, portOfPage, portUrl, portUrlTarget, previewLocation } from './port-url.ts';

const scope = new URL('https://example.org/drydock/');
const u = (s: string) => new URL(s, scope);

describe('portUrlTarget', () => {
  it('maps <base>/ports/N/path to port N and the path without the prefix, query kept', () => {
    expect(portUrlTarget(u('ports/8080/index.html'), scope)).toEqual({ port: 8080, target: '/index.html', slash: false });
    expect(portUrlTarget(u('ports/8080/a/b%20c?x=1&y=2#frag'), scope)).toEqual({ port: 8080, target: '/a/b%20c?x=1&y=2', slash: false });
    expect(portUrlTarget(u('ports/80/'), scope)).toEqual({ port: 80, target: '/', slash: false });
  });

  it('asks for the last slash of /ports/N', () => {
    expect(portUrlTarget(u('ports/8080'), scope)).toEqual({ port: 8080, target: '/', slash: true });
    expect(portUrlTarget(u('ports/8080?q=1'), scope)).toEqual({ port: 8080, target: '/?q=1', slash: true });
  });

  it('ignores other paths, other origins and impossible ports', () => {
    for (const url of ['index.html', 'assets/x.js', 'ports/', 'ports/0/', 'ports/08080/', 'ports/65536/', 'ports/abc/', 'portsx/80/']) {
      expect(portUrlTarget(u(url), scope), url).toBeNull();
    }
    expect(portUrlTarget(new URL('https://example.org/ports/8080/'), scope)).toBeNull();
    expect(portUrlTarget(new URL('https://other.example/drydock/ports/8080/'), scope)).toBeNull();
    expect(portUrlTarget(new URL('https://example.org/ports/65535/'), new URL('https://example.org/'))).toMatchObject({ port: 65535 });
  });
});

describe('absolute paths from a preview page', () => {
  it('knows which port a page (or a referrer) is under', () => {
    expect(portOfPage('https://example.org/drydock/ports/8080/blog/post.html', scope)).toBe(8080);
    expect(portOfPage('https://example.org/drydock/', scope)).toBeUndefined();
    expect(portOfPage('', scope)).toBeUndefined();
    expect(portOfPage('not a url', scope)).toBeUndefined();
  });

  it("maps a same-origin path outside the ports to the page's port, whole", () => {
    expect(absolutePathTarget(new URL('https://example.org/style.css'), scope, 8080)).toEqual({ port: 8080, target: '/style.css' });
    expect(absolutePathTarget(new URL('https://example.org/api/items?page=2'), scope, 8080)).toEqual({ port: 8080, target: '/api/items?page=2' });
    // an absolute path that happens to be under the app's base is still the server's path
    expect(absolutePathTarget(new URL('https://example.org/drydock/app.js'), scope, 3000)).toEqual({ port: 3000, target: '/drydock/app.js' });
    expect(absolutePathTarget(new URL('https://cdn.example/lib.js'), scope, 8080)).toBeNull();
    expect(absolutePathTarget(u('ports/9000/x'), scope, 8080)).toBeNull();
  });

  it("tells the app's own pages from previews", () => {
    expect(isAppPage('https://example.org/drydock/', scope)).toBe(true);
    expect(isAppPage('https://example.org/drydock/assets/worker-abc.js', scope)).toBe(true);
    expect(isAppPage('https://example.org/drydock/ports/8080/', scope)).toBe(false);
    expect(isAppPage('https://example.org/style.css', scope)).toBe(false);
    expect(isAppPage(undefined, scope)).toBe(false);
  });
});

describe('previewLocation', () => {
  it("keeps a redirect inside the preview: the server's own absolute URLs and absolute paths", () => {
    expect(previewLocation('http://localhost:8080/docs/', scope, 8080)).toBe('https://example.org/drydock/ports/8080/docs/');
    expect(previewLocation('http://127.0.0.1:8080/a?b=1#c', scope, 8080)).toBe('https://example.org/drydock/ports/8080/a?b=1#c');
    expect(previewLocation('/login?next=%2F', scope, 8080)).toBe('https://example.org/drydock/ports/8080/login?next=%2F');
    expect(previewLocation('http://localhost/x', scope, 80)).toBe('https://example.org/drydock/ports/80/x');
  });

  it('leaves relative references and other hosts alone', () => {
    expect(previewLocation('docs/', scope, 8080)).toBe('docs/');
    expect(previewLocation('?page=2', scope, 8080)).toBe('?page=2');
    expect(previewLocation('https://example.com/', scope, 8080)).toBe('https://example.com/');
    expect(previewLocation('http://localhost:3000/', scope, 8080)).toBe('http://localhost:3000/');
    expect(previewLocation('//cdn.example/x', scope, 8080)).toBe('//cdn.example/x');
  });
});

describe('portUrl', () => {
  it('builds the preview address under the base', () => {
    expect(portUrl(scope, 8080)).toBe('https://example.org/drydock/ports/8080/');
    expect(portUrl(scope, 8080, '/a?b=1')).toBe('https://example.org/drydock/ports/8080/a?b=1');
    expect(portUrl(scope, 8080, 'a')).toBe('https://example.org/drydock/ports/8080/a');
  });
});
