import { describe, expect, it } from 'vitest';
import { diagnosticToEngineError, formatDiagnostic, hasErrors } from './diagnostics.ts';
import { parseDockerfile } from './parse.ts';
import type { CopyInstruction, HealthcheckInstruction, OnbuildInstruction, RunInstruction } from './types.ts';

describe('parseDockerfile: typed stages', () => {
  const text = [
    'ARG BASE=debian', // 1
    'FROM --platform=linux/386 ${BASE} AS Build', // 2
    'RUN --mount=type=cache,target=/c --network=none <<EOF', // 3
    'make', // 4
    'EOF', // 5
    'HEALTHCHECK --interval=1m30s --retries=2 CMD curl -f localhost', // 6
    'ONBUILD COPY . /src', // 7
    'FROM scratch', // 8
    'COPY --from=build --chmod=755 --link /out/app <<-EOT /bin/', // 9
    '\tinline', // 10
    '\tEOT', // 11
    'CMD ["/bin/app"]', // 12
  ].join('\n');
  const parsed = parseDockerfile(text, { file: 'app/Dockerfile' });

  it('groups instructions into stages after the meta args', () => {
    expect(hasErrors(parsed)).toBe(false);
    expect(parsed.metaArgs.map((a) => a.args)).toEqual([[{ name: 'BASE', defaultValue: 'debian' }]]);
    expect(parsed.stages.map((s) => [s.index, s.name, s.base, s.platform, s.instructions.map((i) => i.kind)])).toEqual([
      [0, 'build', '${BASE}', 'linux/386', ['run', 'healthcheck', 'onbuild']],
      [1, undefined, 'scratch', undefined, ['copy', 'cmd']],
    ]);
    expect(parsed.stages[0]!.range).toMatchObject({ startLine: 2, endLine: 7 });
  });

  it('types RUN with mounts and a heredoc', () => {
    const run = parsed.stages[0]!.instructions[0] as RunInstruction;
    expect(run).toMatchObject({ json: false, command: '<<EOF', mounts: ['type=cache,target=/c'], network: 'none' });
    expect(run.heredocs).toMatchObject([{ name: 'EOF', content: 'make\n', expand: true, chomp: false }]);
    expect(run.range).toEqual({ startLine: 3, startColumn: 1, endLine: 5, endColumn: 4 });
    expect(run.original).toBe('RUN --mount=type=cache,target=/c --network=none <<EOF');
  });

  it('types HEALTHCHECK with durations in nanoseconds', () => {
    const hc = parsed.stages[0]!.instructions[1] as HealthcheckInstruction;
    expect(hc).toMatchObject({ none: false, test: ['CMD-SHELL', 'curl -f localhost'], interval: 90e9, retries: 2 });
  });

  it('keeps the ONBUILD trigger as text and parsed', () => {
    const onbuild = parsed.stages[0]!.instructions[2] as OnbuildInstruction;
    expect(onbuild.expression).toBe('COPY . /src');
    expect(onbuild.trigger).toMatchObject({ kind: 'copy', sources: ['.'], dest: '/src' });
  });

  it('types COPY with flags and an inline (heredoc) source', () => {
    const copy = parsed.stages[1]!.instructions[0] as CopyInstruction;
    expect(copy).toMatchObject({ from: 'build', chmod: '755', link: true, sources: ['/out/app'], dest: '/bin/' });
    expect(copy.heredocs).toMatchObject([{ name: 'EOT', content: 'inline\n', chomp: true }]);
    expect(copy.flags.map((f) => [f.name, f.value, f.range.startColumn])).toEqual([
      ['from', 'build', 6],
      ['chmod', '755', 19],
      ['link', undefined, 31],
    ]);
  });
});

describe('diagnostics', () => {
  it('locate the offending word and convert to an EngineError', () => {
    const parsed = parseDockerfile('FROM debian\nCOPY --chwon=1 a b\n', { file: 'Dockerfile' });
    const [d] = parsed.diagnostics;
    expect(d).toEqual({
      severity: 'error',
      message: 'unknown flag: --chwon (did you mean chown?)',
      file: 'Dockerfile',
      range: { startLine: 2, startColumn: 6, endLine: 2, endColumn: 15 },
      code: 'UnknownFlag',
    });
    expect(formatDiagnostic(d!)).toBe('Dockerfile:2: unknown flag: --chwon (did you mean chown?)');
    const error = diagnosticToEngineError(d!);
    expect(error.code).toBe('DOCKERFILE_SYNTAX');
    expect(error.location).toEqual({ file: 'Dockerfile', line: 2, column: 6, endLine: 2, endColumn: 15 });
  });

  it('keeps going after an error so an editor sees every problem', () => {
    const parsed = parseDockerfile('FROM debian\nFORM x\nCOPY a\nRUN echo ok\n');
    expect(parsed.diagnostics.map((d) => d.range.startLine)).toEqual([2, 3]);
    expect(parsed.stages[0]!.instructions.map((i) => i.kind)).toEqual(['run']);
  });

  it('does not report lint warnings of ONBUILD triggers in the parent', () => {
    expect(parseDockerfile('FROM debian\nONBUILD CMD echo hi\n').diagnostics).toEqual([]);
  });
});
