// What every `docker compose` subcommand works with: the session, the Engine API client, the project (loaded from the
// guest's files on demand), the progress display, and the project's containers as the engine lists them.
import type { LoadedProject } from '../../compose/load.ts';
import { loadProject } from '../../compose/load.ts';
import { resolvePath } from '../../compose/normalize.ts';
import type { ContainerSummary } from '../../containers/container-json.ts';
import { CliError } from '../command.ts';
import type { RawContext } from '../commands/raw-command.ts';
import { DaemonError } from '../engine-client.ts';
import { ComposeProgress } from './progress.ts';
import { LABEL } from './service-container.ts';

export interface ComposeGlobals {
  files: string[];
  projectName?: string;
  projectDirectory?: string;
  envFiles: string[];
}

const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

/**
 * The learner's project folder: `/root/app` is a symlink to the share's `work/` (web/editor/share-sync.ts), and the
 * shim reports its physical cwd. Compose names the project after the directory as typed (its $PWD), so a cwd under
 * the share's work/ is shown as /root/app (project `app`), and read back through the share (no agent round trip).
 */
const PROJECT_FOLDER = { logical: '/root/app', physical: '/mnt/host/work' };
const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

export class ComposeContext {
  readonly raw: RawContext;
  readonly globals: ComposeGlobals;
  /** the working directory as the learner sees it */
  readonly cwd: string;
  readonly #mapped: boolean;
  #loaded?: LoadedProject;

  constructor(raw: RawContext, globals: ComposeGlobals) {
    this.raw = raw;
    this.globals = globals;
    const cwd = raw.session.cwd;
    this.#mapped = under(cwd, PROJECT_FOLDER.physical);
    this.cwd = this.#mapped ? PROJECT_FOLDER.logical + cwd.slice(PROJECT_FOLDER.physical.length) : cwd;
  }

  #physical(path: string): string {
    return this.#mapped && under(path, PROJECT_FOLDER.logical) ? PROJECT_FOLDER.physical + path.slice(PROJECT_FOLDER.logical.length) : path;
  }

  get client() {
    return this.raw.client;
  }
  out(text: string) {
    this.raw.out(text);
  }
  err(text: string) {
    this.raw.err(text);
  }

  progress(): ComposeProgress {
    const columns = this.raw.session.tty?.cols;
    return new ComposeProgress({ write: (t) => this.raw.err(t), ...(columns !== undefined ? { columns } : {}), now: () => Date.now() });
  }

  /** A guest file's text, or undefined when it does not exist (read by the engine through the API, as `docker run --env-file`). */
  async readFile(path: string): Promise<string | undefined> {
    try {
      return await (await this.client.request('GET', '/drydock/guest-file', { query: { path: this.#physical(path) } })).text();
    } catch (e) {
      if (e instanceof DaemonError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** The project: `-f` or the first default file found in the working directory or a parent, as Compose looks. */
  async project(): Promise<LoadedProject> {
    if (this.#loaded) return this.#loaded;
    const { cwd } = this;
    const { files } = this.globals;
    if (files.length > 1) throw new CliError('drydock reads one compose file: several -f files (overrides merged) are not supported yet');
    let path: string | undefined;
    let text: string | undefined;
    if (files.length === 1) {
      path = resolvePath(this.globals.projectDirectory ? resolvePath(cwd, this.globals.projectDirectory) : cwd, files[0] as string);
      text = await this.readFile(path);
      if (text === undefined) throw new CliError(`open ${path}: no such file or directory`);
    } else {
      search: for (let dir = this.globals.projectDirectory ? resolvePath(cwd, this.globals.projectDirectory) : cwd; ; dir = resolvePath(dir, '..')) {
        for (const name of DEFAULT_FILES) {
          const candidate = resolvePath(dir, name);
          const t = await this.readFile(candidate);
          if (t !== undefined) {
            path = candidate;
            text = t;
            break search;
          }
        }
        if (dir === '/') throw new CliError('no configuration file provided: not found');
      }
    }
    const workingDir = this.globals.projectDirectory ? resolvePath(cwd, this.globals.projectDirectory) : resolvePath(path as string, '..');
    let dotEnv: string | undefined;
    if (this.globals.envFiles.length > 0) {
      const parts: string[] = [];
      for (const f of this.globals.envFiles) {
        const t = await this.readFile(resolvePath(cwd, f));
        if (t === undefined) throw new CliError(`couldn't find env file: ${resolvePath(cwd, f)}`);
        parts.push(t);
      }
      dotEnv = parts.join('\n');
    } else dotEnv = await this.readFile(resolvePath(workingDir, '.env'));
    const loaded = await loadProject({
      file: { path: path as string, text: text as string },
      workingDir,
      env: this.raw.session.env,
      ...(dotEnv !== undefined ? { dotEnv } : {}),
      ...(this.globals.projectName !== undefined ? { projectName: this.globals.projectName } : {}),
      readFile: (p) => this.readFile(p),
    });
    for (const w of loaded.warnings) this.err(`${w}\n`);
    this.#loaded = loaded;
    return loaded;
  }

  /** The project's name without needing its file when `-p` names it (down, ps, logs work from the labels alone). */
  async projectName(): Promise<string> {
    if (this.globals.projectName !== undefined) return this.globals.projectName;
    return (await this.project()).project.name;
  }

  /** The project's containers (one-off `run` containers only when asked), sorted by name. */
  async containers(options: { all?: boolean; services?: readonly string[]; oneoff?: boolean } = {}): Promise<ContainerSummary[]> {
    const name = await this.projectName();
    const label = [`${LABEL.project}=${name}`];
    if (!options.oneoff) label.push(`${LABEL.oneoff}=False`);
    const list = await this.client.json<ContainerSummary[]>('GET', '/containers/json', { query: { all: options.all === true, filters: JSON.stringify({ label }) } });
    const services = options.services ?? [];
    return list
      .filter((c) => services.length === 0 || services.includes(c.Labels[LABEL.service] ?? ''))
      .sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : 1));
  }
}

export const nameOf = (c: ContainerSummary) => (c.Names[0] ?? '').replace(/^\//, '');
