import { describe, expect, it } from 'vitest';
import { parseDockerfile, type Instruction } from '../dockerfile/index.ts';
import { BuildArgs } from './build-args.ts';
import {
  dispatchArg, dispatchCmd, dispatchEntrypoint, dispatchEnv, dispatchExpose, dispatchHealthcheck, dispatchLabel, dispatchMaintainer, dispatchOnbuild,
  dispatchShell, dispatchStopSignal, dispatchUser, dispatchVolume,
} from './dispatchers.ts';
import { scratchState, type StageState } from './stage-state.ts';

const T0 = new Date('2024-01-01T00:00:00Z');

/** A scratch stage and the instructions of `FROM scratch\n<lines>` as parsed (not expanded). */
function stage(lines: string): { st: StageState; instructions: Instruction[] } {
  const parsed = parseDockerfile(`FROM scratch\n${lines}\n`, { file: 'Dockerfile' });
  const s = parsed.stages[0]!;
  return { st: scratchState(s, { prefix: '', total: 1 }, T0), instructions: s.instructions };
}

/** The instruction, checked to be of `kind`. */
function of<K extends Instruction['kind']>(i: Instruction | undefined, kind: K): Extract<Instruction, { kind: K }> {
  if (i?.kind !== kind) throw new Error(`expected ${kind}, got ${i?.kind}`);
  return i as Extract<Instruction, { kind: K }>;
}

const history = (st: StageState) => st.history.map((h) => h.created_by);

describe('metadata dispatchers: the image config and an empty-layer history entry each', () => {
  it('ENV sets by key in place; LABEL, EXPOSE and VOLUME add keys', () => {
    const { st, instructions: [env1, env2, label, expose, volume] } = stage('ENV A=1 B=2\nENV A=3\nLABEL team=course\nEXPOSE 3000 53/UDP\nVOLUME /data');
    dispatchEnv(st, of(env1, 'env'));
    dispatchEnv(st, of(env2, 'env'));
    dispatchLabel(st, of(label, 'label'));
    dispatchExpose(st, of(expose, 'expose'));
    dispatchVolume(st, of(volume, 'volume'));
    expect(st.config.Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=3', 'B=2']);
    expect(st.config.Labels).toEqual({ team: 'course' });
    expect(st.config.ExposedPorts).toEqual({ '3000/tcp': {}, '53/udp': {} });
    expect(st.config.Volumes).toEqual({ '/data': {} });
    expect(history(st)).toEqual(['ENV A=1 B=2', 'ENV A=3', 'LABEL team=course', 'EXPOSE map[3000/tcp:{} 53/udp:{}]', 'VOLUME [/data]']);
    expect(st.history.every((h) => h.empty_layer === true && h.created === T0.toISOString())).toBe(true);
  });

  it('CMD and ENTRYPOINT in shell form go through SHELL; ENTRYPOINT clears only an inherited CMD', () => {
    const { st, instructions: [shell, cmd, entrypoint] } = stage('SHELL ["/bin/ash", "-eo"]\nCMD npm start\nENTRYPOINT ["node"]');
    dispatchShell(st, of(shell, 'shell'));
    dispatchCmd(st, of(cmd, 'cmd'));
    dispatchEntrypoint(st, of(entrypoint, 'entrypoint'));
    expect(st.config).toMatchObject({ Shell: ['/bin/ash', '-eo'], Cmd: ['/bin/ash', '-eo', 'npm start'], Entrypoint: ['node'] });
    const other = stage('ENTRYPOINT ["node"]');
    other.st.config.Cmd = ['inherited'];
    dispatchEntrypoint(other.st, of(other.instructions[0], 'entrypoint'));
    expect(other.st.config.Cmd).toBeNull();
    expect(history(st)).toEqual(['SHELL [/bin/ash -eo]', 'CMD ["/bin/ash" "-eo" "npm start"]', 'ENTRYPOINT ["node"]']);
  });

  it('USER, STOPSIGNAL, HEALTHCHECK, ONBUILD, MAINTAINER', () => {
    const { st, instructions: [user, stop, health, onbuild, maintainer] } = stage(
      'USER 1000:1000\nSTOPSIGNAL SIGTERM\nHEALTHCHECK --interval=30s --retries=3 CMD curl -f x\nONBUILD RUN make\nMAINTAINER me',
    );
    dispatchUser(st, of(user, 'user'));
    dispatchStopSignal(st, of(stop, 'stopsignal'));
    dispatchHealthcheck(st, of(health, 'healthcheck'));
    dispatchOnbuild(st, of(onbuild, 'onbuild'));
    dispatchMaintainer(st, of(maintainer, 'maintainer'));
    expect(st.config).toMatchObject({ User: '1000:1000', StopSignal: 'SIGTERM', Healthcheck: { Test: ['CMD-SHELL', 'curl -f x'], Interval: 30e9, Retries: 3 }, OnBuild: ['RUN make'] });
    expect(history(st)).toEqual([
      'USER 1000:1000', 'STOPSIGNAL SIGTERM', `HEALTHCHECK &{["CMD-SHELL" "curl -f x"] "30s" "0s" "0s" "0s" '\\x03'}`, 'ONBUILD RUN make', 'MAINTAINER me',
    ]);
  });

  it('ARG takes the --build-arg value, else its default, else the meta ARG; the history shows the defaults', () => {
    const parsed = parseDockerfile('ARG VERSION=1\nFROM scratch\nARG VERSION\nARG MODE=dev\nARG NONE\n', { file: 'Dockerfile' });
    const s = parsed.stages[0]!;
    const st = scratchState(s, { prefix: '', total: 1 }, T0);
    const args = new BuildArgs([['MODE', 'prod'], ['UNUSED', 'x']], parsed.metaArgs);
    for (const i of s.instructions) dispatchArg(st, of(i, 'arg'), args);
    expect([...st.args]).toEqual([['VERSION', '1'], ['MODE', 'prod'], ['NONE', undefined]]);
    expect(history(st)).toEqual(['ARG VERSION', 'ARG MODE=dev', 'ARG NONE']);
    expect(args.unused()).toEqual(['UNUSED']);
  });
});
