import { describe, expect, it } from 'vitest';
import { dockerCli } from '../cli/docker-cli.ts';
import { cliTimestamp } from '../cli/commands/events.ts';
import { MemorySession } from '../cli/memory-session.ts';
import { ContainerStore } from '../containers/container-store.ts';
import { MemoryJsonStorage } from '../containers/json-storage.ts';
import { errorResponse } from './http-errors.ts';
import { containerStoreEvents, createEventsApi, EventLog, eventJson, eventMatches } from './events.ts';

const T0 = Date.UTC(2026, 11, 7, 6, 0, 0);

function api(events: EventLog, now: () => number) {
  const route = createEventsApi(events, now);
  return async (request: Request) => {
    try {
      return (await route(request)) ?? new Response('{"message":"page not found"}', { status: 404 });
    } catch (e) {
      return errorResponse(e);
    }
  };
}

describe('events', () => {
  it('keeps the last 256, in order, with exact and distinct nanoseconds written as a JSON number', () => {
    const log = new EventLog(() => T0);
    for (let i = 0; i < 300; i++) log.log('image', 'pull', `img${i}`, { name: `img${i}` });
    const kept = log.kept(1n, 0n);
    expect(kept.length).toBe(256);
    expect(kept[0]?.Actor.ID).toBe('img44');
    expect(kept[1]!.timeNano - kept[0]!.timeNano).toBe(1n);
    const text = eventJson(kept[0]!);
    expect(text).toBe(`{"status":"pull","id":"img44","Type":"image","Action":"pull","Actor":{"ID":"img44","Attributes":{"name":"img44"}},"scope":"local","time":${T0 / 1000},"timeNano":${BigInt(T0) * 1_000_000n + 44n}}`);
  });

  it('matches filters as daemon/events/filter.go does', () => {
    const log = new EventLog(() => T0);
    log.log('container', 'health_status: healthy', 'abc123', { name: 'web', image: 'busybox:latest', tier: 'front' });
    const [m] = log.kept(1n, 0n);
    const f = (o: Record<string, string[]>) => eventMatches(m!, new Map(Object.entries(o)));
    expect(f({})).toBe(true);
    expect(f({ container: ['web'] })).toBe(true);
    expect(f({ container: ['abc'] })).toBe(true);
    expect(f({ container: ['db'] })).toBe(false);
    expect(f({ event: ['health_status'] })).toBe(true);
    expect(f({ event: ['health_status: healthy'] })).toBe(true);
    expect(f({ event: ['start'] })).toBe(false);
    expect(f({ type: ['container'], image: ['busybox'] })).toBe(true);
    expect(f({ type: ['network'] })).toBe(false);
    expect(f({ label: ['tier=front'] })).toBe(true);
    expect(f({ label: ['tier=front', 'other'] })).toBe(false);
    expect(f({ network: ['db'] })).toBe(false);
  });

  it('the store\'s changes are events; `docker events --since --until` prints them as the docker CLI does', async () => {
    let now = T0;
    const containers = await ContainerStore.open(new MemoryJsonStorage(), { now: () => now, generateId: () => 'c'.repeat(64) });
    const log = new EventLog(() => now);
    containerStoreEvents(log, containers);
    const r = await containers.create({
      imageId: 'sha256:aa', imageName: 'busybox', config: { Image: 'busybox', Labels: { team: 'a' } } as never, hostConfig: {} as never, mounts: [],
      overlay: { lowerDirs: [], upperDir: '', workDir: '', mergedDir: '' } as never, bundle: '/b', name: 'one',
    } as never);
    now += 1000;
    await containers.markStarted(r.id, 7);
    now += 2000;
    await containers.markExited(r.id, { exitCode: 3 });
    now += 1000;
    const session = new MemorySession(['events', '--since', '10s', '--until', '0s', '--filter', 'container=one']);
    await dockerCli({ api: api(log, () => now), now: () => new Date(now) })(session);
    expect(session.stderrText).toBe('');
    const id = 'c'.repeat(64);
    expect(session.stdoutText).toBe(
      [
        `2026-12-07T06:00:00.000000000Z container create ${id} (image=busybox, name=one, team=a)`,
        `2026-12-07T06:00:01.000000000Z container start ${id} (image=busybox, name=one, team=a)`,
        `2026-12-07T06:00:03.000000000Z container die ${id} (execDuration=2, exitCode=3, image=busybox, name=one, team=a)`,
        '',
      ].join('\n'),
    );
    const json = new MemorySession(['events', '--since', String(T0 / 1000), '--until', String(now / 1000), '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.exitCode}}', '-f', 'event=die']);
    await dockerCli({ api: api(log, () => now), now: () => new Date(now) })(json);
    expect(json.stdoutText).toBe('container die 3\n');
  });

  it('refuses a since after until and a bad timestamp, as dockerd and the CLI word them', async () => {
    const log = new EventLog(() => T0);
    const bad = await api(log, () => T0)(new Request('http://d/v1.43/events?since=20&until=10'));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toBe('`since` time (20) cannot be after `until` time (10)');
    expect(() => cliTimestamp('yesterday', new Date(T0))).toThrow('failed to parse value as time or duration: "yesterday"');
    expect(cliTimestamp('2026-12-07T06:00:00.5Z', new Date(T0))).toBe(`${T0 / 1000}.500000000`);
    expect(cliTimestamp('1m', new Date(T0))).toBe(String(T0 / 1000 - 60));
    expect(cliTimestamp('1700000000.25', new Date(T0))).toBe('1700000000.25');
  });
});
