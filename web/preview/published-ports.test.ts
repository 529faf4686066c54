import { describe, expect, it } from 'vitest';
import { describePort, publishedPorts } from './published-ports.ts';

describe('publishedPorts', () => {
  it("reads dockerd's Ports: TCP with a host port, once per host port, in order", () => {
    const json = JSON.stringify([
      {
        Names: ['/web'],
        Image: 'nginx',
        State: 'running',
        Ports: [
          { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
          { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
          { PrivatePort: 443, Type: 'tcp' },
          { IP: '0.0.0.0', PrivatePort: 53, PublicPort: 5353, Type: 'udp' },
        ],
      },
      { Names: ['/cache'], Image: 'redis:latest', State: 'running', Ports: [{ IP: '127.0.0.1', PrivatePort: 6379, PublicPort: 6379, Type: 'tcp' }] },
      { Names: ['/old'], Image: 'nginx', State: 'exited', Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 9000, Type: 'tcp' }] },
      { Names: ['/none'], Image: 'busybox', State: 'running', Ports: [] },
    ]);
    const ports = publishedPorts(json);
    expect(ports).toEqual([
      { hostPort: 6379, containerPort: 6379, container: 'cache', image: 'redis:latest' },
      { hostPort: 8080, containerPort: 80, container: 'web', image: 'nginx' },
    ]);
    expect(ports.map(describePort)).toEqual(['6379 → cache (redis)', '8080 → web (nginx)']);
  });

  it('reads nothing from what is not a container list', () => {
    expect(publishedPorts('{"message":"no"}')).toEqual([]);
    expect(publishedPorts('not json')).toEqual([]);
    expect(publishedPorts('[{"Names":["/x"]}]')).toEqual([]);
  });
});
