// `npm run -s dockerfile -- parse FILE [--diagnostics]`: print the parser's view of a Dockerfile as JSON (exit 1 on errors).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { toCliOutput } from '../engine/dockerfile/cli-json.ts';
import { parseDockerfile } from '../engine/dockerfile/index.ts';

const USAGE = 'usage: npm run -s dockerfile -- parse FILE [--diagnostics]   (FILE may be - for stdin)';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { diagnostics: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [command, file, ...extra] = positionals;
if (command !== 'parse' || file === undefined || extra.length > 0) {
  console.error(USAGE);
  process.exit(2);
}
let text: string;
try {
  text = readFileSync(file === '-' ? 0 : file, 'utf8');
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
  console.error(`dockerfile: cannot read ${file}: ${reason}`);
  process.exit(2);
}
const parsed = parseDockerfile(text, { file: file === '-' ? 'Dockerfile' : file });
const output = toCliOutput(parsed, { diagnostics: values.diagnostics });
process.stdout.write(JSON.stringify(output, null, 2) + '\n');
process.exitCode = output.errors.length > 0 ? 1 : 0;
