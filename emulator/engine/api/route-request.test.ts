import { describe, expect, it } from 'vitest';
import { apiPath, boolValue } from './route-request.ts';

describe('route-request', () => {
  it('strips the API version prefix only', () => {
    expect(apiPath(new URL('http://d/v1.43/containers/json'))).toBe('/containers/json');
    expect(apiPath(new URL('http://d/containers/json'))).toBe('/containers/json');
    expect(apiPath(new URL('http://d/v1.43'))).toBe('/v1.43');
  });
  it('reads booleans as httputils.BoolValue', () => {
    for (const v of [null, '', '0', 'no', 'false', 'FALSE', 'none', ' 0 ']) expect(boolValue(v), String(v)).toBe(false);
    for (const v of ['1', 'true', 'True', 'yes', '2']) expect(boolValue(v), v).toBe(true);
  });
});
