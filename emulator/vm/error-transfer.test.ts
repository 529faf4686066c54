// EngineError keeps its code, location and details when thrown across a Comlink boundary.
import { expose, wrap } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from '../engine/errors.ts';
import './error-transfer.ts';

const channels: MessageChannel[] = [];
afterEach(() => channels.splice(0).forEach((c) => (c.port1.close(), c.port2.close())));

interface Failing {
  fail(): Promise<void>;
}

function connect(api: Failing) {
  const channel = new MessageChannel();
  channels.push(channel);
  expose(api, channel.port1);
  return wrap<Failing>(channel.port2);
}

describe('error transfer', () => {
  it('carries an EngineError with its code, location and details', async () => {
    const remote = connect({
      async fail() {
        throw new EngineError('DOCKERFILE_SYNTAX', 'unknown instruction: FORM', {
          location: { file: 'Dockerfile', line: 3, column: 1, endColumn: 5 },
          details: { instruction: 'FORM' },
        });
      },
    });
    const error = await remote.fail().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({
      code: 'DOCKERFILE_SYNTAX',
      message: 'unknown instruction: FORM',
      location: { file: 'Dockerfile', line: 3, column: 1, endColumn: 5 },
      details: { instruction: 'FORM' },
    });
  });

  it('leaves other errors as Comlink sends them', async () => {
    const remote = connect({
      async fail() {
        throw new TypeError('plain');
      },
    });
    const error = await remote.fail().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(EngineError);
    expect((error as Error).message).toBe('plain');
  });
});
