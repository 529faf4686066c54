// Unit tests for the browser feature check that decides between the app and the static "unsupported" page.
import { describe, expect, it } from 'vitest';
import { checkSupport } from './support.ts';

describe('checkSupport', () => {
  it('accepts a scope with WebAssembly, workers and message channels', () => {
    // Node has real WebAssembly and MessageChannel; Worker stands in for the browser's.
    const scope = { WebAssembly, Worker: class {}, MessageChannel } as unknown as typeof globalThis;
    expect(checkSupport(scope)).toEqual({ supported: true, missing: [] });
  });

  it('names what is missing', () => {
    const scope = { ...globalThis, WebAssembly: undefined, Worker: undefined, MessageChannel } as unknown as typeof globalThis;
    expect(checkSupport(scope)).toEqual({ supported: false, missing: ['WebAssembly', 'Web Workers'] });
  });

  it('treats WebAssembly that cannot compile as missing (jitless mode, policy)', () => {
    const wasm = { validate: () => false };
    const scope = { WebAssembly: wasm, Worker: class {}, MessageChannel } as unknown as typeof globalThis;
    expect(checkSupport(scope).missing).toEqual(['WebAssembly']);
  });
});
