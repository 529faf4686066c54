import { describe, expect, it } from 'vitest';
import { parseLogsArgs } from './logs-args.ts';

describe('docker logs flags', () => {
  it('flags to the query', () => {
    const r = parseLogsArgs(['-f', '-t', '--tail', '5', '--since', '10m', 'web']);
    if ('help' in r) throw new Error('help');
    expect(r.container).toBe('web');
    expect(Object.fromEntries(r.query)).toEqual({ stdout: '1', stderr: '1', follow: '1', timestamps: '1', tail: '5', since: '10m' });
    expect(() => parseLogsArgs([])).toThrow('"docker logs" requires exactly 1 argument.');
  });
});
