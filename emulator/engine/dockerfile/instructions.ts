// Phase 2: one node to a typed instruction, with BuildKit's argument and flag rules and its error wording.
import { parseGoDuration } from '../units/go-duration.ts';
import { parseFlags, type FlagError, type FlagValues } from './flags.ts';
import { heredocWordOrUndefined } from './heredoc.ts';
import { spanRange, type NodeSource } from './nodes.ts';
import { withSuggestion } from './suggest.ts';
import type {
  ArgDeclaration,
  Diagnostic,
  DiagnosticCode,
  DockerfileNode,
  Heredoc,
  Instruction,
  KeyValuePair,
  SourceRange,
} from './types.ts';

export const INSTRUCTION_NAMES = [
  'add', 'arg', 'cmd', 'copy', 'entrypoint', 'env', 'expose', 'from', 'healthcheck', 'label', 'maintainer',
  'onbuild', 'run', 'shell', 'stopsignal', 'user', 'volume', 'workdir',
] as const;

/** A located problem found while typing a node; the caller turns it into a Diagnostic. */
export interface InstructionProblem {
  severity: Diagnostic['severity'];
  message: string;
  range: SourceRange;
  code: DiagnosticCode | (string & {});
}

export interface InstructionResult {
  instruction?: Instruction;
  problems: InstructionProblem[];
}

const VALID_STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

/** Convert one phase-1 node. `sourceOf` gives positions for precise ranges; without them the node's range is used. */
export function toInstruction(node: DockerfileNode, sourceOf: (node: DockerfileNode) => NodeSource | undefined): InstructionResult {
  const source = sourceOf(node);
  const problems: InstructionProblem[] = [];
  const fail = (message: string, code: DiagnosticCode, range: SourceRange = node.range): InstructionResult => {
    problems.push({ severity: 'error', message, range, code });
    return { problems };
  };
  const warn = (message: string, code: string, range: SourceRange = node.range): void => {
    problems.push({ severity: 'warning', message, range, code });
  };
  const keywordRange = source ? spanRange(source.line, source.keyword.start, source.keyword.end) : node.range;
  const argRange = (index: number): SourceRange => {
    const word = source?.argWords[index];
    return word && source ? spanRange(source.line, word.start, word.end) : node.range;
  };
  const restRange = source && source.rest.text !== '' ? spanRange(source.line, source.rest.start, source.rest.end) : node.range;
  const flagsOr = (declared: Parameters<typeof parseFlags>[1]): FlagValues | InstructionResult => {
    const parsed = parseFlags(node.flags, declared);
    if (parsed instanceof Object && 'message' in parsed) {
      const err = parsed as FlagError;
      return fail(err.message, err.message.startsWith('unknown flag') ? 'UnknownFlag' : 'InvalidFlag', err.flag?.range);
    }
    return parsed as FlagValues;
  };
  const isResult = (v: FlagValues | InstructionResult): v is InstructionResult => 'problems' in v;
  const KEYWORD = node.keyword.toUpperCase();
  if (source?.notStringArray) {
    return fail('when using JSON array syntax, arrays must be comprised of strings only', 'InvalidJson', restRange);
  }
  const base = { range: node.range, original: node.original, flags: node.flags, node };
  const args = node.args;
  const noFlags = (): InstructionResult | undefined => {
    const f = flagsOr({});
    return isResult(f) ? f : undefined;
  };
  const commandOf = (list: string[]): string | string[] => (node.json ? list : list.join(' '));

  switch (node.keyword) {
    case 'from': {
      const f = flagsOr({ platform: 'string' });
      let name: string | undefined;
      if (args.length === 3 && args[1]!.toLowerCase() === 'as') {
        name = args[2]!.toLowerCase();
        if (!VALID_STAGE_NAME.test(name)) {
          return fail(
            `invalid name for build stage: ${JSON.stringify(args[2])}, name can't start with a number or contain symbols`,
            'InvalidStageName',
            argRange(2),
          );
        }
        if (args[2] !== name) warn(`Stage name '${args[2]}' should be lowercase`, 'StageNameCasing', argRange(2));
        const kw = node.keywordText;
        const as = args[1]!;
        if ((kw === kw.toLowerCase() && as !== as.toLowerCase()) || (kw === kw.toUpperCase() && as !== as.toUpperCase())) {
          warn(`'${as}' and '${kw}' keywords' casing do not match`, 'FromAsCasing', argRange(1));
        }
      } else if (args.length !== 1) {
        return fail('FROM requires either one or three arguments', 'ArgumentCount', args.length === 0 ? keywordRange : restRange);
      }
      if (isResult(f)) return f;
      const platform = f.string('platform');
      return {
        instruction: { ...base, kind: 'from', base: args[0]!, ...(name ? { name } : {}), ...(platform !== undefined ? { platform } : {}) },
        problems,
      };
    }
    case 'run': {
      const f = flagsOr({ mount: 'strings', network: 'string', security: 'string' });
      if (isResult(f)) return f;
      const network = f.string('network');
      if (network !== undefined && !['default', 'none', 'host'].includes(network)) {
        return fail(`invalid network mode ${JSON.stringify(network)}`, 'InvalidFlag', flagRange(node, 'network'));
      }
      const security = f.string('security');
      if (security !== undefined && !['sandbox', 'insecure'].includes(security)) {
        return fail(`security ${JSON.stringify(security)} is not valid`, 'InvalidFlag', flagRange(node, 'security'));
      }
      if (args.length === 0 && node.heredocs.length === 0) return fail('RUN requires at least one argument', 'ArgumentCount', keywordRange);
      return {
        instruction: {
          ...base,
          kind: 'run',
          json: node.json,
          command: commandOf(args),
          mounts: f.list('mount'),
          ...(network !== undefined ? { network } : {}),
          ...(security !== undefined ? { security } : {}),
          heredocs: node.heredocs,
        },
        problems,
      };
    }
    case 'cmd':
    case 'entrypoint': {
      const bad = noFlags();
      if (bad) return bad;
      if (!node.json) {
        warn(
          `JSON arguments recommended for ${KEYWORD} to prevent unintended behavior related to OS signals`,
          'JSONArgsRecommended',
          restRange,
        );
      }
      return { instruction: { ...base, kind: node.keyword, json: node.json, command: commandOf(args) }, problems };
    }
    case 'copy':
    case 'add': {
      if (args.length < 2) {
        return fail(
          `${KEYWORD} requires at least two arguments, but only one was provided. Destination could not be determined`,
          'ArgumentCount',
          args.length === 0 ? keywordRange : restRange,
        );
      }
      const f =
        node.keyword === 'copy'
          ? flagsOr({ chown: 'string', from: 'string', chmod: 'string', link: 'bool', exclude: 'strings', parents: 'bool' })
          : flagsOr({
              chown: 'string',
              chmod: 'string',
              link: 'bool',
              'keep-git-dir': 'bool',
              checksum: 'string',
              unpack: 'bool',
              exclude: 'strings',
            });
      if (isResult(f)) return f;
      const dest = args[args.length - 1]!;
      if (!node.json && heredocWordOrUndefined(dest)) {
        return fail(`${KEYWORD} cannot accept a heredoc as a destination`, 'InvalidArgument', argRange(args.length - 1));
      }
      const sources: string[] = [];
      const heredocs: Heredoc[] = [];
      for (const src of args.slice(0, -1)) {
        const word = node.json ? undefined : heredocWordOrUndefined(src);
        const body = word && node.heredocs.find((h) => h.name === word.name);
        if (body) heredocs.push(body);
        else sources.push(src);
      }
      const optional = <T,>(key: string, value: T | undefined): Record<string, T> => (value === undefined ? {} : { [key]: value });
      return {
        instruction: {
          ...base,
          kind: node.keyword,
          sources,
          dest,
          json: node.json,
          ...optional('from', f.string('from')),
          ...optional('chown', f.string('chown')),
          ...optional('chmod', f.string('chmod')),
          link: f.bool('link'),
          parents: f.bool('parents'),
          exclude: f.list('exclude'),
          ...optional('checksum', f.string('checksum')),
          keepGitDir: f.bool('keep-git-dir'),
          ...optional('unpack', f.bools.get('unpack')),
          heredocs,
        },
        problems,
      };
    }
    case 'workdir':
    case 'user':
    case 'stopsignal':
    case 'maintainer': {
      if (args.length !== 1) return fail(`${KEYWORD} requires exactly one argument`, 'ArgumentCount', keywordRange);
      const bad = noFlags();
      if (bad) return bad;
      const value = args[0]!;
      if (node.keyword === 'workdir') return { instruction: { ...base, kind: 'workdir', path: value }, problems };
      if (node.keyword === 'user') return { instruction: { ...base, kind: 'user', user: value }, problems };
      if (node.keyword === 'stopsignal') return { instruction: { ...base, kind: 'stopsignal', signal: value }, problems };
      warn('Maintainer instruction is deprecated in favor of using label', 'MaintainerDeprecated', keywordRange);
      return { instruction: { ...base, kind: 'maintainer', maintainer: value }, problems };
    }
    case 'env':
    case 'label': {
      const bad = noFlags();
      if (bad) return bad;
      if (args.length === 0) return fail(`${KEYWORD} requires at least one argument`, 'ArgumentCount', keywordRange);
      const pairs: KeyValuePair[] = [];
      if (node.legacyKeyValue) {
        if (args.length < 2) return fail(`${KEYWORD} must have two arguments`, 'ArgumentCount', restRange);
        pairs.push({ key: args[0]!, value: args[1]!, legacy: true });
        warn(
          `"${KEYWORD} key=value" should be used instead of legacy "${KEYWORD} key value" format`,
          'LegacyKeyValueFormat',
          restRange,
        );
      } else {
        const words = source?.argWords ?? [];
        let wordIndex = 0;
        for (let i = 0; i < args.length; wordIndex++) {
          const word = words[wordIndex];
          if (word && !word.text.includes('=')) {
            return fail(
              `Syntax error - can't find = in ${JSON.stringify(word.text)}. Must be of the form: name=value`,
              'InvalidArgument',
              argRange(wordIndex),
            );
          }
          const key = args[i]!;
          if (key === '') return fail(`${KEYWORD} names can not be blank`, 'InvalidArgument', argRange(wordIndex));
          pairs.push({ key, value: args[i + 1] ?? '' });
          i += 2;
        }
      }
      return { instruction: { ...base, kind: node.keyword, pairs }, problems };
    }
    case 'arg': {
      if (args.length === 0) return fail('ARG requires at least one argument', 'ArgumentCount', keywordRange);
      const bad = noFlags();
      if (bad) return bad;
      const decls: ArgDeclaration[] = [];
      for (const [i, word] of args.entries()) {
        const eq = word.indexOf('=');
        if (eq === 0) return fail('ARG names can not be blank', 'InvalidArgument', argRange(i));
        decls.push(eq < 0 ? { name: word } : { name: word.slice(0, eq), defaultValue: word.slice(eq + 1) });
      }
      return { instruction: { ...base, kind: 'arg', args: decls }, problems };
    }
    case 'expose': {
      if (args.length === 0) return fail('EXPOSE requires at least one argument', 'ArgumentCount', keywordRange);
      const bad = noFlags();
      if (bad) return bad;
      for (const [i, port] of args.entries()) {
        const proto = port.split('/')[1];
        if (proto !== undefined && proto !== proto.toLowerCase()) {
          warn(`Defined protocol '${port}' in EXPOSE instruction should be lowercase`, 'ExposeProtoCasing', argRange(i));
        }
        if (port.includes(':')) {
          warn(
            `EXPOSE instruction should not define an IP address or host-port mapping, found '${port}'`,
            'ExposeInvalidFormat',
            argRange(i),
          );
        }
      }
      return { instruction: { ...base, kind: 'expose', ports: args }, problems };
    }
    case 'volume': {
      if (args.length === 0) return fail('VOLUME requires at least one argument', 'ArgumentCount', keywordRange);
      const bad = noFlags();
      if (bad) return bad;
      const paths = args.map((v) => v.trim());
      if (paths.some((p) => p === '')) return fail('VOLUME specified can not be an empty string', 'InvalidArgument', restRange);
      return { instruction: { ...base, kind: 'volume', paths, json: node.json }, problems };
    }
    case 'shell': {
      const bad = noFlags();
      if (bad) return bad;
      if (args.length === 0) return fail('SHELL requires at least one argument', 'ArgumentCount', keywordRange);
      if (!node.json) return fail('SHELL requires the arguments to be in JSON form', 'InvalidArgument', restRange);
      return { instruction: { ...base, kind: 'shell', shell: args }, problems };
    }
    case 'healthcheck':
      return healthcheck(node, base, args, fail, flagsOr, isResult, keywordRange, restRange, problems);
    case 'onbuild': {
      if (args.length === 0 || !node.child) return fail('ONBUILD requires at least one argument', 'ArgumentCount', keywordRange);
      const bad = noFlags();
      if (bad) return bad;
      const trigger = node.child.keyword.toUpperCase();
      const childRange = node.child.range;
      if (trigger === 'ONBUILD') return fail('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed', 'InvalidOnbuild', childRange);
      if (trigger === 'MAINTAINER' || trigger === 'FROM') {
        return fail(`${trigger} isn't allowed as an ONBUILD trigger`, 'InvalidOnbuild', childRange);
      }
      let expression = node.original.replace(/^\s*ONBUILD\s*/i, '');
      for (const heredoc of node.heredocs) expression += '\n' + heredoc.content + heredoc.name;
      const child = toInstruction(node.child, sourceOf);
      // The trigger runs in a child image, but a malformed one is a mistake in this file: report its errors now
      // (its lint warnings belong to the child build).
      problems.push(...child.problems.filter((p) => p.severity === 'error'));
      if (child.problems.some((p) => p.severity === 'error')) return { problems };
      return {
        instruction: { ...base, kind: 'onbuild', expression, ...(child.instruction ? { trigger: child.instruction } : {}) },
        problems,
      };
    }
    default:
      return fail(
        withSuggestion(`unknown instruction: ${node.keywordText}`, node.keywordText, INSTRUCTION_NAMES.map((n) => n.toUpperCase()), false),
        'UnknownInstruction',
        keywordRange,
      );
  }
}

function flagRange(node: DockerfileNode, name: string): SourceRange {
  return node.flags.find((f) => f.name === name)?.range ?? node.range;
}

function healthcheck(
  node: DockerfileNode,
  base: { range: SourceRange; original: string; flags: DockerfileNode['flags']; node: DockerfileNode },
  args: string[],
  fail: (message: string, code: DiagnosticCode, range?: SourceRange) => InstructionResult,
  flagsOr: (declared: Parameters<typeof parseFlags>[1]) => FlagValues | InstructionResult,
  isResult: (v: FlagValues | InstructionResult) => v is InstructionResult,
  keywordRange: SourceRange,
  restRange: SourceRange,
  problems: InstructionProblem[],
): InstructionResult {
  if (args.length === 0) return fail('HEALTHCHECK requires at least one argument', 'ArgumentCount', keywordRange);
  const type = args[0]!.toUpperCase();
  const rest = args.slice(1);
  if (type === 'NONE') {
    if (rest.length !== 0) return fail('HEALTHCHECK NONE takes no arguments', 'ArgumentCount', restRange);
    return { instruction: { ...base, kind: 'healthcheck', none: true, test: ['NONE'] }, problems };
  }
  const f = flagsOr({ interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' });
  if (isResult(f)) return f;
  if (type !== 'CMD') return fail(`Unknown type ${JSON.stringify(type)} in HEALTHCHECK (try CMD)`, 'InvalidArgument', restRange);
  const command = node.json ? rest : rest.length === 0 ? [] : [rest.join(' ')];
  if (command.length === 0) return fail('Missing command after HEALTHCHECK CMD', 'ArgumentCount', restRange);
  const durations: Partial<Record<'interval' | 'timeout' | 'startPeriod' | 'startInterval', number>> = {};
  const names = [
    ['interval', 'interval'],
    ['timeout', 'timeout'],
    ['start-period', 'startPeriod'],
    ['start-interval', 'startInterval'],
  ] as const;
  for (const [flag, key] of names) {
    const text = f.string(flag);
    if (text === undefined || text === '') continue;
    const ns = parseGoDuration(text);
    const range = flagRange(node, flag);
    if (typeof ns !== 'number') return fail(ns.error, 'InvalidDuration', range);
    if (ns === 0) continue;
    if (ns < 1e6) return fail(`Interval ${JSON.stringify(flag)} cannot be less than 1ms`, 'InvalidDuration', range);
    durations[key] = ns;
  }
  let retries: number | undefined;
  const retriesText = f.string('retries');
  if (retriesText !== undefined && retriesText !== '') {
    if (!/^[+-]?\d+$/.test(retriesText) || Math.abs(Number(retriesText)) > 2 ** 31 - 1) {
      return fail(`strconv.ParseInt: parsing ${JSON.stringify(retriesText)}: invalid syntax`, 'InvalidFlag', flagRange(node, 'retries'));
    }
    retries = Number(retriesText);
    if (retries < 0) return fail(`--retries cannot be negative (${retries})`, 'InvalidFlag', flagRange(node, 'retries'));
  }
  return {
    instruction: {
      ...base,
      kind: 'healthcheck',
      none: false,
      test: [node.json ? 'CMD' : 'CMD-SHELL', ...command],
      ...durations,
      ...(retries !== undefined ? { retries } : {}),
    },
    problems,
  };
}
