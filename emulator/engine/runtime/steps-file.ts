// The runtime trace as drydock-init's steps file (emulator/guest/runtime/STEPS.md): one line per step, in sections,
// each word percent-encoded so a path or an env value with spaces stays one word. The bundle, root and cgroup paths
// are variables (`$B`, `$R`, `$C`, as init.sh has `$R`): every byte goes to the guest over a serial line.
import type { Step } from './lower.ts';

/** Bytes a word keeps as they are; anything else (space, $, %, newline, non-ASCII) is written %XX. */
const PLAIN = /^[\x21-\x23\x26-\x7e]$/;

export function encodeWord(word: string): string {
  if (word === '') return '%';
  let out = '';
  for (const byte of new TextEncoder().encode(word)) {
    const c = String.fromCharCode(byte);
    out += PLAIN.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** NAME (capital letters) and its value: `$NAME` in a word stands for the value. */
export type StepVar = [name: string, value: string];

export function encodeStep(step: Step, vars: readonly StepVar[] = []): string {
  const words = step.when ? ['?', step.when.test, step.when.path, ...step.op] : step.op;
  // longest value first: $R (the root) lies inside $B (the bundle)
  const byLength = [...vars].sort((a, b) => b[1].length - a[1].length);
  return words
    .map((w) => byLength.reduce((text, [name, value]) => text.replace(new RegExp(`${escapeRegExp(encodeWord(value))}(?![A-Z])`, 'g'), `$${name}`), encodeWord(w)))
    .join(' ');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function renderStepsFile(id: string, sections: Record<string, readonly Step[]>, vars: readonly StepVar[] = []): string {
  let text = `# drydock-init steps for container ${id}, from config.json by emulator/engine/runtime/lower.ts.\n# Each line is a line of trace.sh or init.sh (whose comments say why); emulator/guest/runtime/STEPS.md says what they do.\n`;
  for (const [name, value] of vars) text += `${name}=${encodeWord(value)}\n`;
  for (const [name, steps] of Object.entries(sections)) {
    text += `[${name}]\n`;
    for (const step of steps) text += `${encodeStep(step, vars)}\n`;
  }
  return text;
}
