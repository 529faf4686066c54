// The editor pane's state beside the project: shown or not, its width, the open file's problems, and the machine link
// (project synced into the share, /root/app pointing at it, the Build button).
import type { Diagnostic } from '../../emulator/engine/dockerfile/index.ts';
import type { ExecResult } from '../../emulator/protocol.ts';
import type { Project } from './project.svelte.ts';
import { ShareSync, type SyncShare } from './share-sync.ts';

/** Share folder of the project, and where the guest sees it. */
export const SHARE_FOLDER = 'work';
export const GUEST_APP_DIR = '/root/app';
/** The Build button's tag when no lesson sets one (front matter `build: { tag: ... }`). */
export const DEFAULT_BUILD_TAG = 'app';

/** What the Build button types: the project folder built and tagged `tag`. */
export function buildCommand(tag: string = DEFAULT_BUILD_TAG): string {
  return `cd ${GUEST_APP_DIR} && docker build -t ${tag} .`;
}

/** Polling the share for guest-made changes: often while the learner looks at the tree, rarely otherwise. */
const POLL_VISIBLE_MS = 1500;
const POLL_HIDDEN_MS = 6000;

/** What the workspace needs of the machine (MachineState in the app). */
export interface WorkspaceMachine {
  readonly share: SyncShare;
  exec(argv: string[]): Promise<ExecResult>;
}

export interface WorkspaceOptions {
  /** Types text into the learner's terminal as if from the keyboard. */
  typeInTerminal(text: string): void;
  /** Remembers whether the pane is open across reloads (its width is the stage's, web/layout/) (localStorage in the app). */
  settings?: Pick<Storage, 'getItem' | 'setItem'> | undefined;
}

const SETTINGS_KEY = 'drydock:editor-pane';

export class EditorWorkspace {
  visible = $state(false);
  problems = $state.raw<Diagnostic[]>([]);
  /** null while no machine runs; otherwise whether the share holds what the editor has. */
  syncStatus = $state<'connecting' | 'synced' | 'failed' | null>(null);
  syncError = $state<string | null>(null);
  /** the tag Build gives the image; the open lesson may set it (lesson 06 builds helloworld:0.1) */
  buildTag = $state(DEFAULT_BUILD_TAG);
  readonly buildCommand = $derived(buildCommand(this.buildTag));

  readonly project: Project;
  readonly #options: WorkspaceOptions;
  #sync: ShareSync | null = null;
  /** The current machine's first sync and /root/app link; replaced at every attach. */
  #linked: Promise<void> | null = null;

  constructor(project: Project, options: WorkspaceOptions) {
    this.project = project;
    this.#options = options;
    try {
      const saved = JSON.parse(options.settings?.getItem(SETTINGS_KEY) ?? 'null') as { visible?: unknown } | null;
      if (typeof saved?.visible === 'boolean') this.visible = saved.visible;
    } catch {
      // Unreadable settings: the defaults will do.
    }
  }

  show(): void {
    this.setVisible(true);
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.#sync?.poll(visible ? POLL_VISIBLE_MS : POLL_HIDDEN_MS);
    this.#saveSettings();
  }

  /**
   * Links the project to a machine that has just started: the share folder is made equal to the project, /root/app
   * becomes a symlink to it, then changes flow both ways until the returned disposer runs (machine gone or restarting).
   */
  attach(machine: WorkspaceMachine): () => void {
    const sync = new ShareSync(this.project, machine.share, {
      root: SHARE_FOLDER,
      onError: (error) => {
        this.syncStatus = 'failed';
        this.syncError = (error as Error).message ?? String(error);
        console.warn('Editor sync with the machine failed:', error);
      },
      onSynced: () => {
        // A poll that works again after a failed one (a busy worker, a restart under way).
        if (this.#sync === sync && this.syncStatus === 'failed' && linkedOk) {
          this.syncStatus = 'synced';
          this.syncError = null;
        }
      },
    });
    this.#sync = sync;
    this.syncStatus = 'connecting';
    this.syncError = null;
    let live = true;
    let linkedOk = false;
    const linked = (async () => {
      await this.project.loaded;
      if (!live) return;
      await sync.sync();
      // Through the control channel, not the learner's terminal: nothing appears in their shell history.
      const link = await machine.exec(['/bin/sh', '-c', `rm -rf ${GUEST_APP_DIR} && ln -s /mnt/host/${SHARE_FOLDER} ${GUEST_APP_DIR}`]);
      if (link.exitCode !== 0) throw new Error(`could not link ${GUEST_APP_DIR}: ${new TextDecoder().decode(link.stderr).trim()}`);
      if (!live) return;
      linkedOk = true;
      this.syncStatus = 'synced';
      sync.poll(this.visible ? POLL_VISIBLE_MS : POLL_HIDDEN_MS);
    })();
    this.#linked = linked;
    linked.catch((error: unknown) => {
      if (!live) return;
      this.syncStatus = 'failed';
      this.syncError = (error as Error).message ?? String(error);
      console.warn('Linking the editor to the machine failed:', error);
    });
    return () => {
      live = false;
      sync.dispose();
      if (this.#sync === sync) {
        this.#sync = null;
        this.#linked = null;
      }
      this.syncStatus = null;
    };
  }

  /** Brings the share up to date with the editor now (before a build reads it). */
  async flush(): Promise<void> {
    await this.#sync?.sync();
  }

  /**
   * Resolves once the running machine has the project in /root/app, including every change made before the call
   * (for lessons: their files must be in the guest before a setup command or a check runs). Rejects when no machine
   * is linked or linking failed.
   */
  async syncNow(): Promise<void> {
    const linked = this.#linked;
    if (!linked) throw new Error('the editor is not linked to a running machine');
    await linked;
    await this.project.flush();
    await this.flush();
  }

  /** Types the build command into the learner's terminal, visibly, as a person would. */
  async build(): Promise<void> {
    await this.project.flush();
    await this.flush();
    // Ctrl+U first: whatever was half-typed at the prompt would otherwise run glued to the command.
    this.#options.typeInTerminal(`\x15${this.buildCommand}\r`);
  }

  #saveSettings(): void {
    try {
      this.#options.settings?.setItem(SETTINGS_KEY, JSON.stringify({ visible: this.visible }));
    } catch {
      // Storage full or refused: the pane still works, it just will not remember.
    }
  }
}
