import { describe, expect, it } from 'vitest';
import { PortSlots } from './port-slots.ts';

describe('PortSlots', () => {
  it('runs at most N per port at once and the rest in order as slots free up', async () => {
    const slots = new PortSlots(2);
    const started: string[] = [];
    const finish = new Map<string, () => void>();
    const job = (name: string) => () =>
      new Promise<void>((resolve) => {
        started.push(name);
        finish.set(name, resolve);
      });
    for (const name of ['a1', 'a2', 'a3', 'a4']) slots.run(80, job(name));
    slots.run(81, job('b1'));
    expect(started).toEqual(['a1', 'a2', 'b1']);
    finish.get('a2')!();
    await expect.poll(() => started).toEqual(['a1', 'a2', 'b1', 'a3']);
    finish.get('a1')!();
    await expect.poll(() => started).toEqual(['a1', 'a2', 'b1', 'a3', 'a4']);
  });

  it('drops what waits on clear()', async () => {
    const slots = new PortSlots(1);
    const started: number[] = [];
    let end!: () => void;
    slots.run(80, () => new Promise<void>((r) => { started.push(1); end = r; }));
    slots.run(80, async () => void started.push(2));
    slots.clear();
    end();
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual([1]);
  });
});
