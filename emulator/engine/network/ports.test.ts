import { describe, expect, it } from 'vitest';
import { EPHEMERAL_PORTS, PortAllocator } from './port-allocator.ts';
import { displayablePorts, naturalLess, portLines, portSummaries } from './port-format.ts';
import { addExposed, parsePortSpec, parsePortSpecs, toStandardNotation, validatePortBindings, type PortSet } from './ports.ts';

describe('-p parsing (go-connections/nat ParsePortSpec)', () => {
  const cases: [string, ReturnType<typeof parsePortSpec>][] = [
    ['80', [{ port: '80/tcp', binding: { HostIp: '', HostPort: '' } }]],
    ['8080:80', [{ port: '80/tcp', binding: { HostIp: '', HostPort: '8080' } }]],
    ['127.0.0.1:8080:80', [{ port: '80/tcp', binding: { HostIp: '127.0.0.1', HostPort: '8080' } }]],
    ['127.0.0.1::80', [{ port: '80/tcp', binding: { HostIp: '127.0.0.1', HostPort: '' } }]],
    ['53/udp', [{ port: '53/udp', binding: { HostIp: '', HostPort: '' } }]],
    ['80/TCP', [{ port: '80/tcp', binding: { HostIp: '', HostPort: '' } }]],
    ['8080-8081:80-81', [{ port: '80/tcp', binding: { HostIp: '', HostPort: '8080' } }, { port: '81/tcp', binding: { HostIp: '', HostPort: '8081' } }]],
    ['8080-8090:80', [{ port: '80/tcp', binding: { HostIp: '', HostPort: '8080-8090' } }]],
    ['[::1]:80:80', [{ port: '80/tcp', binding: { HostIp: '::1', HostPort: '80' } }]],
    ['::1:80:80', [{ port: '80/tcp', binding: { HostIp: '::1', HostPort: '80' } }]],
  ];
  for (const [spec, want] of cases) it(spec, () => expect(parsePortSpec(spec)).toEqual(want));

  it("errors, in the CLI's words", () => {
    expect(() => parsePortSpec('abc')).toThrow('invalid containerPort: abc');
    expect(() => parsePortSpec('8080:abc')).toThrow('invalid containerPort: abc');
    expect(() => parsePortSpec('70000:80')).toThrow('invalid hostPort: 70000');
    expect(() => parsePortSpec('1.2.3:80:80')).toThrow('invalid IP address: 1.2.3');
    expect(() => parsePortSpec('80:80:80')).toThrow('invalid IP address: 80');
    expect(() => parsePortSpec('80/xyz')).toThrow('invalid proto: xyz');
    expect(() => parsePortSpec('8080-8082:80-81')).toThrow('invalid ranges specified for container and host Ports: 80-81 and 8080-8082');
    expect(() => parsePortSpec('8080:80-81')).toThrow('invalid ranges specified for container and host Ports: 80-81 and 8080');
    expect(() => parsePortSpec('')).toThrow('no port specified: <empty>');
    expect(() => parsePortSpec('90-80')).toThrow('invalid containerPort: 90-80');
  });

  it('several -p: ExposedPorts and PortBindings in the order given; the long syntax; --expose', () => {
    const { exposed, bindings } = parsePortSpecs(toStandardNotation(['8080:80', 'published=8443,target=443', '9000:80', 'target=53,protocol=udp']));
    expect(exposed).toEqual({ '80/tcp': {}, '443/tcp': {}, '53/udp': {} });
    expect(bindings).toEqual({ '80/tcp': [{ HostIp: '', HostPort: '8080' }, { HostIp: '', HostPort: '9000' }], '443/tcp': [{ HostIp: '', HostPort: '8443' }], '53/udp': [{ HostIp: '', HostPort: '' }] });
    expect(() => toStandardNotation(['published=1,x'])).toThrow("invalid publish opts format (should be name=value but got 'x')");
    const set: PortSet = { '80/tcp': {} };
    addExposed(set, ['80', '3000-3001/udp']);
    expect(set).toEqual({ '80/tcp': {}, '3000/udp': {}, '3001/udp': {} });
    expect(() => addExposed({}, ['80:90'])).toThrow('invalid port format for --expose: 80:90');
    expect(() => addExposed({}, ['x'])).toThrow('invalid range format for --expose: x, error: strconv.ParseUint: parsing "x": invalid syntax');
  });

  it("the daemon's validatePortBindings for API clients", () => {
    expect(() => validatePortBindings({ '80/tcp': [{ HostIp: '', HostPort: '8080' }] })).not.toThrow();
    expect(() => validatePortBindings({ 'http/tcp': [] })).toThrow('invalid port specification: "http"');
    expect(() => validatePortBindings({ '80/tcp': [{ HostPort: 'x' }] })).toThrow('invalid port specification: "x"');
  });
});

describe('host port allocation (libnetwork portallocator)', () => {
  const to = { containerIp: '172.17.0.2', containerPort: 80 };
  it('explicit ports once per address and protocol, with dockerd\'s message', () => {
    const a = new PortAllocator();
    expect(a.request('0.0.0.0', 'tcp', 8080, 8080, to)).toBe(8080);
    expect(() => a.request('0.0.0.0', 'tcp', 8080, 8080, to)).toThrow('Bind for 0.0.0.0:8080 failed: port is already allocated');
    expect(a.request('0.0.0.0', 'udp', 8080, 8080, to)).toBe(8080);
    // the kernel refuses a single address next to the wildcard
    expect(() => a.request('127.0.0.1', 'tcp', 8080, 8080, to)).toThrow('failed to bind host port for 127.0.0.1:8080:172.17.0.2:80/tcp: address already in use');
    a.release('0.0.0.0', 'tcp', 8080);
    expect(a.request('127.0.0.1', 'tcp', 8080, 8080, to)).toBe(8080);
    expect(a.request('127.0.0.2', 'tcp', 8080, 8080, to)).toBe(8080);
  });
  it('free ports from the ephemeral range, round-robin; a range\'s first free one', () => {
    const a = new PortAllocator();
    expect(a.request('0.0.0.0', 'tcp', 0, 0, to)).toBe(EPHEMERAL_PORTS.begin);
    expect(a.request('0.0.0.0', 'tcp', 0, 0, to)).toBe(EPHEMERAL_PORTS.begin + 1);
    a.release('0.0.0.0', 'tcp', EPHEMERAL_PORTS.begin);
    // not given again at once
    expect(a.request('0.0.0.0', 'tcp', 0, 0, to)).toBe(EPHEMERAL_PORTS.begin + 2);
    expect(a.request('0.0.0.0', 'tcp', 9000, 9001, to)).toBe(9000);
    expect(a.request('0.0.0.0', 'tcp', 9000, 9001, to)).toBe(9001);
    expect(() => a.request('0.0.0.0', 'tcp', 9000, 9001, to)).toThrow('all ports are allocated');
    a.releaseAll();
    expect(a.request('0.0.0.0', 'tcp', 0, 0, to)).toBe(EPHEMERAL_PORTS.begin);
  });
});

describe('ports as the CLI prints them', () => {
  it('the PORTS column collapses ranges and puts other host mappings last', () => {
    expect(displayablePorts([])).toBe('');
    expect(displayablePorts([{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }])).toBe('0.0.0.0:8080->80/tcp');
    expect(displayablePorts([{ PrivatePort: 81, Type: 'tcp' }, { PrivatePort: 80, Type: 'tcp' }, { PrivatePort: 53, Type: 'udp' }])).toBe('53/udp, 80-81/tcp');
    expect(
      displayablePorts([
        { IP: '0.0.0.0', PrivatePort: 8001, PublicPort: 8001, Type: 'tcp' },
        { IP: '0.0.0.0', PrivatePort: 8000, PublicPort: 8000, Type: 'tcp' },
        { IP: '127.0.0.1', PrivatePort: 443, PublicPort: 32768, Type: 'tcp' },
        { IP: '::', PrivatePort: 80, PublicPort: 80, Type: 'tcp' },
      ]),
    ).toBe('[::]:80->80/tcp, 0.0.0.0:8000-8001->8000-8001/tcp, 127.0.0.1:32768->443/tcp');
  });
  it('/containers/json Ports from NetworkSettings.Ports', () => {
    expect(portSummaries({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '53/udp': null })).toEqual([
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { PrivatePort: 53, Type: 'udp' },
    ]);
    expect(portSummaries(null)).toEqual([]);
  });
  it('docker port: natural order, one mapping, the CLI\'s errors', () => {
    const ports = { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '443/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }, { HostIp: '127.0.0.1', HostPort: '9000' }], '53/udp': null };
    expect(portLines(ports, 'web')).toEqual(['80/tcp -> 0.0.0.0:8080', '443/tcp -> 0.0.0.0:32768', '443/tcp -> 127.0.0.1:9000']);
    expect(portLines(ports, 'web', '443')).toEqual(['0.0.0.0:32768', '127.0.0.1:9000']);
    expect(() => portLines(ports, 'web', '53/udp')).toThrow("Error: No public port '53/udp' published for web");
    expect(() => portLines(ports, 'web', 'abc')).toThrow('Error: invalid port (abc): strconv.ParseUint: parsing "abc": invalid syntax');
    expect(() => portLines(ports, 'web', '99999')).toThrow('Error: invalid port (99999): strconv.ParseUint: parsing "99999": value out of range');
  });
  it('naturalLess (fvbommel/sortorder)', () => {
    expect(['my-net10', 'bridge', 'my-net9', 'host'].sort((a, b) => (naturalLess(a, b) ? -1 : naturalLess(b, a) ? 1 : 0))).toEqual(['bridge', 'host', 'my-net9', 'my-net10']);
  });
});
