import { describe, expect, it } from 'vitest';
import { FlagError, type FlagSpec, flagsHelp, parseFlags, parseGoInt } from './flags.ts';
import { goString, renderTemplate, TemplateError } from './go-template.ts';
import { jsonProgressText } from '../images/pull-progress.ts';
import { tabulate } from './tab-writer.ts';
import { createdSince, ellipsis, humanDuration } from '../units/human.ts';

const specs: FlagSpec[] = [
  { name: 'quiet', short: 'q', type: 'bool', description: '' },
  { name: 'all', short: 'a', type: 'bool', description: '' },
  { name: 'format', short: 'f', type: 'string', description: '' },
  { name: 'filter', type: 'strings', description: '' },
  { name: 'human', short: 'H', type: 'bool', description: '', defaultValue: true },
];

describe('flags like pflag', () => {
  it('long, short, combined, =value, interspersed, --', () => {
    expect(parseFlags(['-qa', 'x', '--format={{.ID}}', 'y', '--filter', 'a=b', '--filter=c=d', '-H=false', '--', '-q'], specs)).toEqual({
      flags: { quiet: true, all: true, format: '{{.ID}}', filter: ['a=b', 'c=d'], human: false },
      args: ['x', 'y', '-q'],
      help: false,
    });
    expect(parseFlags(['-qf{{.ID}}'], specs).flags.format).toBe('{{.ID}}');
    expect(parseFlags(['-f', 'json', '--help'], specs)).toMatchObject({ flags: { format: 'json' }, help: true });
  });

  it("stops at the first argument when flags are not interspersed (docker's own flags)", () => {
    expect(parseFlags(['-q', 'images', '-a'], specs, { interspersed: false }).args).toEqual(['images', '-a']);
  });

  it("errors word for word like pflag's", () => {
    const error = (argv: string[]) => {
      try {
        parseFlags(argv, specs);
      } catch (e) {
        expect(e).toBeInstanceOf(FlagError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(error(['--nope'])).toBe('unknown flag: --nope');
    expect(error(['-qz'])).toBe("unknown shorthand flag: 'z' in -qz");
    expect(error(['--format'])).toBe('flag needs an argument: --format');
    expect(error(['-f'])).toBe("flag needs an argument: 'f' in -f");
    expect(error(['--quiet=maybe'])).toBe('invalid argument "maybe" for "-q, --quiet" flag: strconv.ParseBool: parsing "maybe": invalid syntax');
  });

  it('typed values (pflag.Value Set), shared lists, -h as help unless taken, help defaults as pflag prints them', () => {
    const typed: FlagSpec[] = [
      { name: 'last', short: 'n', type: 'string', parse: parseGoInt, description: 'Show n last created containers', defaultValue: '-1' },
      { name: 'network', type: 'list', description: 'Connect a container to a network' },
      { name: 'net', type: 'list', hidden: true, alias: 'network' },
      { name: 'driver', short: 'd', type: 'string', description: 'Driver', defaultValue: 'bridge' },
      { name: 'ulimit', type: 'list', valueName: 'ulimit', description: 'Ulimit options', defaultText: '[]' },
    ];
    expect(parseFlags(['-n', '3', '--net', 'a', '--network=b', '--net=c'], typed).flags).toEqual({ last: 3, network: ['a', 'b', 'c'], driver: 'bridge' });
    expect(() => parseFlags(['-n', 'x'], typed)).toThrow('invalid argument "x" for "-n, --last" flag: strconv.ParseInt: parsing "x": invalid syntax');
    expect(parseFlags(['-h'], typed).help).toBe(true);
    expect(() => parseFlags(['-h'], [{ name: 'hostname', short: 'h', type: 'string' }])).toThrow("flag needs an argument: 'h' in -h");
    expect(flagsHelp(typed)).toBe(
      [
        '  -n, --last string     Show n last created containers (default "-1")',
        '      --network list    Connect a container to a network',
        '  -d, --driver string   Driver (default "bridge")',
        '      --ulimit ulimit   Ulimit options (default [])',
      ].join('\n'),
    );
  });
});

describe('Go template subset', () => {
  const image = { Id: 'sha256:1', RepoTags: ['a:1', 'b:2'], Size: 2063292, Config: { Cmd: ['sh'], Env: null, Labels: null }, Os: 'linux' };
  it('fields, json, join, range, if, pipes and Go value printing', () => {
    expect(renderTemplate('{{.Id}} {{.Config.Cmd}} {{.Size}} {{.Config.Labels}} {{.Config.Env}}', image)).toBe('sha256:1 [sh] 2063292 map[] []');
    expect(renderTemplate('{{json .RepoTags}}|{{join .RepoTags ", "}}|{{range .RepoTags}}<{{.}}>{{end}}', image)).toBe('["a:1","b:2"]|a:1, b:2|<a:1><b:2>');
    expect(renderTemplate('{{if .Config.Env}}env{{else}}none{{end}} {{.Os | upper}} {{- " x"}}', image)).toBe('none LINUX x');
    // range with variables, as `docker network inspect -f '{{range $id, $c := .Containers}}...'` uses it
    const net = { Name: 'n', Containers: { b2: { Name: 'web', IPv4Address: '172.18.0.3/16' }, a1: { Name: 'db', IPv4Address: '172.18.0.2/16' } } };
    expect(renderTemplate('{{range $id, $c := .Containers}}{{$id}}={{$c.Name}}@{{$c.IPv4Address}} {{$.Name}};{{end}}', net)).toBe('a1=db@172.18.0.2/16 n;b2=web@172.18.0.3/16 n;');
    expect(renderTemplate('{{range $c := .Containers}}{{$c.Name}} {{end}}', net)).toBe('db web ');
    expect(() => renderTemplate('{{$nope}}', net)).toThrow('undefined variable "$nope"');
    expect(goString({ b: 1, a: [true, 'x'] })).toBe('map[a:[true x] b:1]');
  });
  it('reports parse errors with exit 64 and unknown fields', () => {
    expect(() => renderTemplate('{{.Id', image)).toThrow(TemplateError);
    try {
      renderTemplate('{{range .RepoTags}}', image);
    } catch (e) {
      expect((e as TemplateError).exitCode).toBe(64);
    }
    expect(() => renderTemplate('{{.Nope}}', image)).toThrow('map has no entry for key "Nope"');
  });
});

describe('units and tables like the docker CLI', () => {
  it('go-units HumanDuration', () => {
    const s = 1000;
    expect([0.5 * s, 1 * s, 59 * s, 60 * s, 119 * s, 59 * 60 * s, 90 * 60 * s, 47 * 3600 * s, 13 * 86400 * s, 20 * 86400 * s, 400 * 86400 * s, 800 * 86400 * s].map(humanDuration)).toEqual([
      'Less than a second',
      '1 second',
      '59 seconds',
      'About a minute',
      'About a minute',
      '59 minutes',
      '2 hours',
      '47 hours',
      '13 days',
      '2 weeks',
      '13 months',
      '2 years',
    ]);
    expect(createdSince(0, new Date(30 * 60 * 1000))).toBe('30 minutes ago');
  });
  it("progress like docker's JSONProgress: 50 steps then '>', bar only on wide terminals", () => {
    expect(jsonProgressText(0, 1_067_000)).toBe(`[>${' '.repeat(50)}]       0B/1.067MB`);
    expect(jsonProgressText(65_370, 1_067_000)).toBe(`[===>${' '.repeat(47)}]  65.37kB/1.067MB`);
    expect(jsonProgressText(1_067_000, 1_067_000)).toBe(`[${'='.repeat(50)}>]  1.067MB/1.067MB`);
    expect(jsonProgressText(5, 10, false)).toBe('      5B/10B');
    expect(jsonProgressText(0, 0)).toBe('');
  });

  it('Ellipsis and tabwriter padding', () => {
    expect(ellipsis('abcdef', 4)).toBe('abc…');
    expect(ellipsis('abc', 3)).toBe('abc');
    expect(tabulate('A\tBB\tC\nxxxxxxxxxxxx\ty\t')).toBe('A              BB        C\nxxxxxxxxxxxx   y         ');
  });
});
