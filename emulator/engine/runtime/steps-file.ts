// The runtime trace as drydock-init's steps file (emulator/guest/runtime/STEPS.md): one line per step, in sections,
// each word percent-encoded so a path or an env value with spaces stays one word. Comments carry the steps' reasons.
import type { Step } from './lower.ts';

/** Bytes a word keeps as they are; anything else (space, %, newline, non-ASCII) is written %XX. */
const PLAIN = /^[\x21-\x24\x26-\x7e]$/;

export function encodeWord(word: string): string {
  if (word === '') return '%';
  let out = '';
  for (const byte of new TextEncoder().encode(word)) {
    const c = String.fromCharCode(byte);
    out += PLAIN.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function encodeStep(step: Step): string {
  const words = step.when ? ['?', step.when.test, step.when.path, ...step.op] : step.op;
  return words.map(encodeWord).join(' ');
}

export function renderStepsFile(id: string, sections: Record<string, readonly Step[]>): string {
  let text = `# drydock-init steps for container ${id}, from config.json by emulator/engine/runtime/lower.ts.\n# Each line is a line of trace.sh or init.sh; emulator/guest/runtime/STEPS.md says what they do.\n`;
  for (const [name, steps] of Object.entries(sections)) {
    text += `\n[${name}]\n`;
    for (const step of steps) text += `# ${step.why.replaceAll('\n', ' ')}\n${encodeStep(step)}\n`;
  }
  return text;
}
