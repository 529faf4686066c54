import { describe, expect, it } from 'vitest';
import { humanSize } from '../units/human.ts';
import { progressBar } from './pull-progress.ts';

describe('sizes and bars as Docker prints them', () => {
  it.each([
    [0, 3, '0B'],
    [512, 3, '512B'],
    [1000, 3, '1kB'],
    [2_063_292, 3, '2.06MB'],
    [27_930_919, 3, '27.9MB'],
    [126_010_992, 3, '126MB'],
    [1_067_174, 4, '1.067MB'],
    [4_500_000_000, 3, '4.5GB'],
  ])('%d bytes with precision %d -> %s', (bytes, precision, text) => {
    expect(humanSize(bytes, precision)).toBe(text);
  });

  it('draws the progress bar', () => {
    expect(progressBar(0, 1000, 10)).toBe('[>         ]       0B/1kB');
    expect(progressBar(500_000, 1_000_000, 10)).toBe('[=====>    ]    500kB/1MB');
    expect(progressBar(1_000_000, 1_000_000, 10)).toBe('[==========]      1MB/1MB');
  });
});
