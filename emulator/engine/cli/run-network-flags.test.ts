import { describe, expect, it } from 'vitest';
import { parseFlags } from './flags.ts';
import { RUN_FLAGS } from './run-flags.ts';
import { networkRequestFromFlags, parseNetworkFlag } from './run-network-flags.ts';

const request = (argv: string[]) => networkRequestFromFlags(parseFlags([...argv, 'busybox'], RUN_FLAGS, { interspersed: false }).flags);

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

describe('networkRequestFromFlags', () => {
  it('gives the default network when no flag is given', () => {
    expect(request([])).toEqual({ networkMode: 'default', endpointsConfig: { default: {} }, links: [], exposedPorts: {}, portBindings: {}, publishAll: false });
  });

  it('reads --net like --network, and -p/--expose/-P into ports', () => {
    const r = request(['--net', 'mynet', '--net-alias', 'web', '-p', '8080:80', '--expose', '53/udp', '-P']);
    expect(r.networkMode).toBe('mynet');
    expect(r.endpointsConfig).toEqual({ mynet: { Aliases: ['web'] } });
    expect(Object.keys(r.exposedPorts).sort()).toEqual(['53/udp', '80/tcp']);
    expect(r.portBindings['80/tcp']).toEqual([{ HostIp: '', HostPort: '8080' }]);
    expect(r.publishAll).toBe(true);
  });

  it('keeps --mac-address for the create request and checks it', () => {
    expect(request(['--mac-address', '92:d0:c6:0a:29:33']).macAddress).toBe('92:d0:c6:0a:29:33');
    expect(() => request(['--mac-address', 'zz'])).toThrow('zz is not a valid mac address');
  });
});
