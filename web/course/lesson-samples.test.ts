import { describe, expect, it } from 'vitest';
import { compareSamples, maskVolatile } from './lesson-samples.ts';
import { parseLesson } from './lesson-parser.ts';

const LESSON = `---
title: Samples
summary: A sample after a run block.
minutes: 1
---

## One

\`\`\`sh run
docker images busybox
\`\`\`

\`\`\`
REPOSITORY   TAG       IMAGE ID       CREATED        SIZE
busybox      latest    bbe2cfa03ddb   4 months ago   2.12MB
\`\`\`
`;

describe('lesson samples against a run', () => {
  it('masks what changes from run to run, not what a lesson states', () => {
    expect(maskVolatile('busybox      latest    9ee522245298   6 months ago   2.12MB')).toBe('busybox latest #id #ago 2.12MB');
    expect(maskVolatile('#8 12.678 wrote dist/index.html')).toBe('#n #dur wrote dist/index.html');
    expect(maskVolatile('qa: digest: sha256:36bc921ec41509a0b01a4e70b1df445f2893bcdd79d943a45587e41779381664 size: 713')).toBe('qa: digest: sha256:# size: 713');
  });

  it('finds the sample line a run printed differently, and only that one', () => {
    const { lesson } = parseLesson({ folder: '01-samples', file: 'lessons/01-samples/lesson.md', text: LESSON });
    const log = (size: string) =>
      `[01-samples] step 1: the terminal shows:\ndocker images busybox\r\nREPOSITORY   TAG       IMAGE ID       CREATED          SIZE\r\nbusybox      latest    0123456789ab   5 months ago     ${size}\r\n`;
    expect(compareSamples(lesson!, log('2.12MB'))).toEqual([]);
    expect(compareSamples(lesson!, log('2.06MB'))).toEqual([{ lesson: '01-samples', step: 1, text: 'busybox      latest    bbe2cfa03ddb   4 months ago   2.12MB' }]);
  });
});
