import { describe, expect, it } from 'vitest';
import { cacheKey } from './cache.ts';
import { commandArgs, DEFAULT_SHELL, exposedPort, exposeHistory, goDuration, goQuoteList, healthcheckHistory, resolveWorkdir, runHistory, EnvList } from './image-config.ts';

describe('history lines like BuildKit', () => {
  it('quotes argv like Go %q', () => {
    expect(`CMD ${goQuoteList(commandArgs('npm start', DEFAULT_SHELL))}`).toBe('CMD ["/bin/sh" "-c" "npm start"]');
    expect(goQuoteList(['node', 'say "hi"'])).toBe('["node" "say \\"hi\\""]');
  });

  it('writes RUN with the build args in effect and the buildkit marker', () => {
    expect(runHistory(['/bin/sh', '-c', 'npm install'], [])).toBe('RUN /bin/sh -c npm install # buildkit');
    expect(runHistory(['/bin/sh', '-c', 'echo $V'], [['V', '1'], ['W', 'x y']])).toBe('RUN |2 V=1 W=x y /bin/sh -c echo $V # buildkit');
  });

  it('prints EXPOSE as a Go map with protocols', () => {
    expect(exposedPort('3000')).toBe('3000/tcp');
    expect(exposedPort('53/UDP')).toBe('53/udp');
    expect(exposeHistory(['8080/tcp', '3000/tcp', '3000/tcp'])).toBe('EXPOSE map[3000/tcp:{} 8080/tcp:{}]');
  });

  it('prints HEALTHCHECK like %q of the health config', () => {
    expect(goDuration(30e9)).toBe('30s');
    expect(goDuration(90e9)).toBe('1m30s');
    expect(goDuration(0)).toBe('0s');
    expect(healthcheckHistory({ Test: ['CMD-SHELL', 'curl -f http://localhost/'], Interval: 30e9, Timeout: 3e9, Retries: 3 })).toBe(
      'HEALTHCHECK &{["CMD-SHELL" "curl -f http://localhost/"] "30s" "3s" "0s" "0s" \'\\x03\'}',
    );
  });
});

describe('config state', () => {
  it('resolves WORKDIR against the previous one', () => {
    expect(resolveWorkdir('/', 'app')).toBe('/app');
    expect(resolveWorkdir('/app', 'src/../lib')).toBe('/app/lib');
    expect(resolveWorkdir('/app', '/srv/')).toBe('/srv');
  });

  it('replaces an ENV in place and appends a new one, leaving the array it came from alone', () => {
    const from = ['PATH=/bin', 'A=1', 'BARE'];
    const env = new EnvList(from);
    env.set('A', '2');
    env.set('B', 'x y');
    expect(env.entries).toEqual(['PATH=/bin', 'A=2', 'BARE', 'B=x y']);
    expect([env.get('A'), env.get('B'), env.get('BARE'), env.get('NONE')]).toEqual(['2', 'x y', undefined, undefined]);
    expect(from).toEqual(['PATH=/bin', 'A=1', 'BARE']);
  });

  it('derives cache keys from ordered parts', () => {
    expect(cacheKey('a', 1, ['x'])).toBe(cacheKey('a', 1, ['x']));
    expect(cacheKey('a', 1)).not.toBe(cacheKey(1, 'a'));
    expect(cacheKey('parent', 'copy', 'COPY . /app', 'sha256:1')).not.toBe(cacheKey('parent', 'copy', 'COPY . /app', 'sha256:2'));
  });
});
