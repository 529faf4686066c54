// Vectors for go-json.ts: Go 1.24's encoding/json messages as dockerd (Docker 28) returns them for these bodies.
import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors.ts';
import { buildArgs, containerCreateRequest, execOptions, networkConnectOptions, networkCreateRequest } from './docker-types.ts';
import { decodeGoJson, readJsonBody } from './go-json.ts';
import { checkPathEscapes, decodePathSegment } from './path-segment.ts';

const create = (text: string) => decodeGoJson(text, containerCreateRequest);
const failure = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('did not fail');
};

describe('Docker JSON quirks (StrSlice, nulls, case-insensitive keys)', () => {
  it('Cmd, Entrypoint, CapAdd are StrSlice: a string is one element, null is nil', () => {
    expect(create('{"Image":"busybox","Cmd":"echo hi"}')).toEqual({ Image: 'busybox', Cmd: ['echo hi'] });
    expect(create('{"Image":"busybox","Cmd":["echo","hi"],"Entrypoint":null}')).toEqual({ Image: 'busybox', Cmd: ['echo', 'hi'], Entrypoint: null });
    expect(create('{"Image":"x","HostConfig":{"CapAdd":"NET_ADMIN"}}')).toEqual({ Image: 'x', HostConfig: { CapAdd: ['NET_ADMIN'] } });
  });

  it('null leaves a scalar at its zero value; keys match case-insensitively; unknown keys are skipped', () => {
    expect(create('{"image":"busybox","TTY":true,"HostConfig":{"Privileged":null,"memory":6291456},"Whatever":[1]}')).toEqual({ Image: 'busybox', Tty: true, HostConfig: { Memory: 6291456 } });
    expect(create('{"Image":"x","Env":["A=1",null]}')).toEqual({ Image: 'x', Env: ['A=1', ''] });
  });
});

describe('type mismatches: dockerd words', () => {
  it('a string where a bool goes names the struct and the field path', () => {
    expect(failure(() => create('{"Image":"x","HostConfig":{"Privileged":"false"}}'))).toBe('json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Privileged of type bool');
    expect(failure(() => create('{"Image":"x","Tty":"yes"}'))).toBe('json: cannot unmarshal string into Go struct field CreateRequest.Config.Tty of type bool');
  });

  it('Go 1.24 puts embedded structs on the path (HostConfig embeds Resources)', () => {
    expect(failure(() => create('{"Image":"x","HostConfig":{"Memory":"1g"}}'))).toBe('json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Resources.Memory of type int64');
    expect(failure(() => create('{"Image":"x","HostConfig":{"Memory":1.5}}'))).toBe('json: cannot unmarshal number 1.5 into Go struct field HostConfig.HostConfig.Resources.Memory of type int64');
    expect(failure(() => create('{"Image":"x","HostConfig":{"BlkioWeight":70000}}'))).toBe('json: cannot unmarshal number 70000 into Go struct field HostConfig.HostConfig.Resources.BlkioWeight of type uint16');
  });

  it('Env must be a list of strings', () => {
    expect(failure(() => create('{"Image":"x","Env":{"A":"1"}}'))).toBe('json: cannot unmarshal object into Go struct field CreateRequest.Config.Env of type []string');
    expect(failure(() => create('{"Image":"x","Env":["A=1",2]}'))).toBe('json: cannot unmarshal number into Go struct field CreateRequest.Config.Env of type string');
  });

  it('StrSlice fails as its fallback string does, and that error stops the decode', () => {
    expect(failure(() => create('{"Image":"x","Cmd":[{"a":1}]}'))).toBe('json: cannot unmarshal array into Go struct field CreateRequest.Config.Cmd of type string');
    expect(failure(() => create('{"Image":"x","Cmd":5}'))).toBe('json: cannot unmarshal number into Go struct field CreateRequest.Config.Cmd of type string');
    // the first saved mismatch loses to the unmarshaler's error
    expect(failure(() => create('{"Tty":"x","Cmd":{}}'))).toBe('json: cannot unmarshal object into Go struct field CreateRequest.Config.Cmd of type string');
  });

  it('named types, nested structs, maps and the top level', () => {
    expect(failure(() => create('{"Image":"x","HostConfig":{"RestartPolicy":{"Name":1}}}'))).toBe('json: cannot unmarshal number into Go struct field RestartPolicy.HostConfig.RestartPolicy.Name of type container.RestartPolicyMode');
    expect(failure(() => create('{"Image":"x","HostConfig":{"PortBindings":[]}}'))).toBe('json: cannot unmarshal array into Go struct field HostConfig.HostConfig.PortBindings of type nat.PortMap');
    expect(failure(() => create('{"Image":"x","Labels":{"a":true}}'))).toBe('json: cannot unmarshal bool into Go struct field CreateRequest.Config.Labels of type string');
    expect(failure(() => create('{"Image":"x","HostConfig":"privileged"}'))).toBe('json: cannot unmarshal string into Go struct field CreateRequest.HostConfig of type container.HostConfig');
    expect(failure(() => create('[]'))).toBe('json: cannot unmarshal array into Go value of type container.CreateRequest');
    expect(failure(() => decodeGoJson('{"Cmd":"sh"}', execOptions))).toBe('json: cannot unmarshal string into Go struct field ExecOptions.Cmd of type []string');
    expect(failure(() => decodeGoJson('{"Name":"n","Internal":"no"}', networkCreateRequest))).toBe('json: cannot unmarshal string into Go struct field CreateRequest.CreateOptions.Internal of type bool');
    expect(failure(() => decodeGoJson('{"Container":"c","EndpointConfig":{"Aliases":"a"}}', networkConnectOptions))).toBe('json: cannot unmarshal string into Go struct field EndpointSettings.EndpointConfig.Aliases of type []string');
  });
});

describe('syntax: json.Decoder and json.Unmarshal messages', () => {
  it('Decoder', () => {
    expect(failure(() => create('{"Image":x}'))).toBe("invalid character 'x' looking for beginning of value");
    expect(failure(() => create('{"Image":"x"'))).toBe('unexpected EOF');
    expect(failure(() => create('{"Image" "x"}'))).toBe("invalid character '\"' after object key");
    expect(failure(() => create('{"Image":"x" "Tty":true}'))).toBe("invalid character '\"' after object key:value pair");
    expect(failure(() => create('{Image:1}'))).toBe("invalid character 'I' looking for beginning of object key string");
    expect(failure(() => create('{"Tty":tru}'))).toBe("invalid character '}' in literal true (expecting 'e')");
    expect(failure(() => create('{"Image":"x"} {}'))).toBe('unexpected content after JSON');
  });

  it('Unmarshal (buildargs)', () => {
    expect(decodeGoJson('{"A":"1","B":null}', buildArgs, { unmarshal: true })).toEqual({ A: '1', B: null });
    expect(failure(() => decodeGoJson('{"A":1}', buildArgs, { unmarshal: true }))).toBe('json: cannot unmarshal number into Go value of type string');
    expect(failure(() => decodeGoJson('{"A":"1"} x', buildArgs, { unmarshal: true }))).toBe("invalid character 'x' after top-level value");
    expect(failure(() => decodeGoJson('{"A":', buildArgs, { unmarshal: true }))).toBe('unexpected end of JSON input');
  });
});

describe('readJsonBody', () => {
  const post = (body: string, contentType = 'application/json') => new Request('http://engine/x', { method: 'POST', body, headers: { 'Content-Type': contentType } });
  it('400 with "invalid JSON: " as dockerd prefixes it; an empty body is EOF, or nothing where dockerd allows it', async () => {
    const refused = async (r: Promise<unknown>) => r.then(() => undefined, (e: EngineError) => [e.code, e.message]);
    expect(await refused(readJsonBody(post('{"HostConfig":{"Privileged":"false"}}'), containerCreateRequest))).toEqual(['INVALID_ARGUMENT', 'invalid JSON: json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Privileged of type bool']);
    expect(await refused(readJsonBody(post(''), containerCreateRequest))).toEqual(['INVALID_ARGUMENT', 'invalid JSON: got EOF while reading request body']);
    expect(await readJsonBody(post(''), execOptions, { emptyOk: true })).toBeUndefined();
    expect(await refused(readJsonBody(post('{}', 'text/plain'), execOptions))).toEqual(['INVALID_ARGUMENT', "unsupported Content-Type header (text/plain): must be 'application/json'"]);
  });
});

describe('percent-escapes in a path', () => {
  it('a bad escape is refused with net/url words; a valid one decodes, invalid UTF-8 included', () => {
    expect(failure(() => checkPathEscapes('/containers/%zz/json'))).toBe('invalid URL escape "%zz"');
    expect(failure(() => checkPathEscapes('/containers/a%4'))).toBe('invalid URL escape "%4"');
    expect(decodePathSegment('my%2Fname')).toBe('my/name');
    expect(decodePathSegment('%ff')).toBe('\ufffd');
    expect(decodePathSegment('caf%C3%A9é')).toBe('caféé');
  });
});
