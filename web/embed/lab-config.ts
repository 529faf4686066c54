// What an embedded lab starts with, carried in lab.html's URL fragment as JSON: the example's commands and files,
// and the origins allowed to use the postMessage API. Whoever wrote the URL is untrusted: every field is checked.
import { checkCommand, checkFilePath, checkFileText, MAX_COMMANDS, MAX_FILES, normaliseOrigin, type Parsed } from './lab-protocol.ts';

export interface LabFile {
  path: string;
  text: string;
}

export interface LabConfig {
  /** typed at the prompt once the machine is ready, one after the other (the learner asked by clicking Start) */
  commands: string[];
  /** written to /root/app before the commands run */
  files: LabFile[];
  /** origins whose messages the lab answers (and the only ones it sends to); empty: the API is off */
  origins: string[];
}

export const EMPTY_CONFIG: LabConfig = { commands: [], files: [], origins: [] };

/** The fragment a config travels in (`lab.html#<this>`). */
export function encodeLabConfig(config: LabConfig): string {
  return encodeURIComponent(JSON.stringify(config));
}

/** `hash` is `location.hash` (with or without "#"); an empty one is an empty lab. */
export function parseLabConfig(hash: string): Parsed<LabConfig> {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (raw === '') return { ok: true, value: EMPTY_CONFIG };
  let data: unknown;
  try {
    data = JSON.parse(decodeURIComponent(raw));
  } catch (error) {
    return { ok: false, error: `the lab's URL fragment is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, error: 'the lab config must be a JSON object' };
  const fields = data as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !['commands', 'files', 'origins'].includes(key));
  if (unknown.length) return { ok: false, error: `unknown field ${unknown.map((k) => `"${k}"`).join(', ')} (commands, files, origins)` };

  const commands = list(fields.commands, 'commands', MAX_COMMANDS);
  if (!commands.ok) return commands;
  const checkedCommands: string[] = [];
  for (const [i, value] of commands.value.entries()) {
    const command = checkCommand(value, `commands[${i}]`);
    if (typeof command !== 'string') return command;
    checkedCommands.push(command);
  }

  const files = list(fields.files, 'files', MAX_FILES);
  if (!files.ok) return files;
  const checkedFiles: LabFile[] = [];
  for (const [i, value] of files.value.entries()) {
    if (typeof value !== 'object' || value === null) return { ok: false, error: `files[${i}]: expected { path, text }` };
    const file = value as Record<string, unknown>;
    const path = checkFilePath(file.path, `files[${i}].path`);
    if (typeof path !== 'string') return path;
    const text = checkFileText(file.text, `files[${i}].text`);
    if (typeof text !== 'string') return text;
    if (checkedFiles.some((f) => f.path === path)) return { ok: false, error: `files[${i}].path: "${path}" given twice` };
    checkedFiles.push({ path, text });
  }

  const origins = list(fields.origins, 'origins', 20);
  if (!origins.ok) return origins;
  const checkedOrigins: string[] = [];
  for (const [i, value] of origins.value.entries()) {
    const origin = typeof value === 'string' ? normaliseOrigin(value) : null;
    if (!origin) return { ok: false, error: `origins[${i}]: ${JSON.stringify(value)} is not an http(s) origin such as "https://docs.example.com"` };
    checkedOrigins.push(origin);
  }
  return { ok: true, value: { commands: checkedCommands, files: checkedFiles, origins: checkedOrigins } };
}

/** Text from inside an indented element: the first line break and the common indentation go. */
export function dedent(text: string): string {
  const lines = text.replace(/^[ \t]*\r?\n/, '').replace(/\s+$/, '').split(/\r?\n/);
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^[ \t]*/.exec(line)![0].length);
  const common = indents.length ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(common)).join('\n') + '\n';
}

function list(value: unknown, where: string, max: number): Parsed<unknown[]> {
  if (value === undefined) return { ok: true, value: [] };
  if (!Array.isArray(value)) return { ok: false, error: `${where}: expected a list` };
  if (value.length > max) return { ok: false, error: `${where}: more than ${max}` };
  return { ok: true, value };
}
