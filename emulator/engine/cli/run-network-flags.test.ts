import { describe, expect, it } from 'vitest';
import { parseFlags } from './flags.ts';
import { RUN_FLAGS } from './run-flags.ts';
import { networkOptionsFromFlags, parseNetworkFlag } from './run-network-flags.ts';

const request = (argv: string[]) => networkOptionsFromFlags(parseFlags([...argv, 'busybox'], RUN_FLAGS, { interspersed: false }).flags);

describe('parseNetworkFlag (opts.NetworkOpt.Set)', () => {
  it('takes a plain name, or the long form field by field', () => {
    expect(parseNetworkFlag('mynet')).toMatchObject({ target: 'mynet', aliases: [] });
    expect(parseNetworkFlag('name=mynet,alias=a,alias=b,ip=10.0.0.5,driver-opt=K=V,gw-priority=2')).toMatchObject({
      target: 'mynet', aliases: ['a', 'b'], ipv4: '10.0.0.5', driverOpts: { k: 'v' }, gwPriority: 2,
    });
  });

  it("refuses the long form's bad fields with the CLI's words", () => {
    expect(() => parseNetworkFlag('name=n,colour=red')).toThrow('invalid field key colour');
    expect(() => parseNetworkFlag('alias=a')).toThrow('network name/id is not specified');
    expect(() => parseNetworkFlag('name=n,gw-priority=x')).toThrow('invalid gw-priority (x): invalid syntax');
  });
});

describe('networkOptionsFromFlags', () => {
  it('gives the default network when no flag is given', () => {
    expect(request([])).toEqual({ NetworkMode: 'default', EndpointsConfig: { default: {} }, Links: [], ExposedPorts: {}, PortBindings: {}, PublishAllPorts: false });
  });

  it('reads --net like --network, and -p/--expose/-P into ports', () => {
    const r = request(['--net', 'mynet', '--net-alias', 'web', '-p', '8080:80', '--expose', '53/udp', '-P']);
    expect(r.NetworkMode).toBe('mynet');
    expect(r.EndpointsConfig).toEqual({ mynet: { Aliases: ['web'] } });
    expect(Object.keys(r.ExposedPorts).sort()).toEqual(['53/udp', '80/tcp']);
    expect(r.PortBindings['80/tcp']).toEqual([{ HostIp: '', HostPort: '8080' }]);
    expect(r.PublishAllPorts).toBe(true);
  });

  it('keeps --mac-address for the create request and checks it', () => {
    expect(request(['--mac-address', '92:d0:c6:0a:29:33']).MacAddress).toBe('92:d0:c6:0a:29:33');
    expect(() => request(['--mac-address', 'zz'])).toThrow('zz is not a valid mac address');
  });
});
