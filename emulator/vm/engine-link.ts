// The container engine as the machine side holds it: opened once at the first start (or again on a checkpoint's
// documents), given the guest running now (its share, its agent, facts asked of it once per boot), and the docker
// shim's sessions attached to each new agent client.
import { DEFAULT_FACTS, type SystemFacts } from '../engine/api/system-info.ts';
import type { EngineHost } from '../engine/engine-host.ts';
import { probeGuestFacts } from '../engine/engine-host.ts';
import type { GuestFs } from '../engine/overlay/guest-fs.ts';
import { guestFsFromShare } from '../engine/overlay/guest-fs-share.ts';
import { type CliHandler, ShimSessions } from './channel/shim-sessions.ts';
import type { Machine } from './machine.ts';
import type { ShareFs } from './share-fs.ts';

/** What the engine gets from the machine side: where the app lives, and the guest running now. */
export interface EngineContext {
  /** StartOptions.guestBaseUrl of the first start (the app's static registry sits next to guest/) */
  guestBaseUrl: string;
  /** the current guest's 9p share; undefined while no guest runs */
  guestFs(): GuestFs | undefined;
  /** facts for `docker version` / `docker info`, asked of the current guest once per boot */
  system(): Promise<SystemFacts>;
  /** the current guest's agent (containers run through it); undefined while no guest runs */
  guest(): Machine['agent'] | undefined;
}

export type OpenEngine = (context: EngineContext) => Promise<EngineHost>;

export class EngineLink {
  #cli: Promise<CliHandler> | null = null;
  /** the engine behind `#cli`, for requests and checkpoints; null when it failed to open */
  #host: Promise<EngineHost | null> | null = null;
  #baseUrl = '';
  #shims: ShimSessions | null = null;
  #facts: Promise<SystemFacts> | null = null;
  #shareFs: { share: ShareFs; fs: GuestFs } | null = null;

  /** `machine` gives the machine running now (null while none runs). */
  constructor(
    private readonly openEngine: OpenEngine | undefined,
    private readonly machine: () => Machine | null,
    private readonly onLog?: (line: string) => void,
  ) {}

  /** Opens the engine unless it is open (or there is none to open). */
  open(guestBaseUrl: string): void {
    const open = this.openEngine;
    if (!open || this.#cli) return;
    this.#baseUrl = guestBaseUrl;
    const opening = open({
      guestBaseUrl,
      guestFs: () => this.#guestFs(),
      guest: () => {
        try {
          return this.machine()?.agent;
        } catch {
          return undefined; // between boots
        }
      },
      system: () => {
        const m = this.machine();
        return (this.#facts ??= m ? probeGuestFacts(m.agent).catch(() => DEFAULT_FACTS) : Promise.resolve(DEFAULT_FACTS));
      },
    });
    this.#host = opening.catch(() => null);
    this.#cli = opening.then(
      (host) => host.cli,
      (error: unknown) => {
        // The machine still works without docker; each `docker ...` then says why.
        const message = `docker: the container engine could not start: ${(error as Error).message}\n`;
        this.onLog?.(message.trim());
        return (session) => {
          session.stderr(message);
          session.exit(1);
        };
      },
    );
  }

  /** The engine, once open; null when there is none. */
  async host(): Promise<EngineHost | null> {
    return this.#host ? await this.#host : null;
  }

  /** Every boot brings a new agent client: the docker shim's sessions are attached to `m`'s (unless it stopped meanwhile). */
  async attach(m: Machine): Promise<void> {
    this.#shims?.dispose();
    this.#shims = null;
    if (!this.#cli) return;
    const cli = await this.#cli;
    if (this.machine() !== m) return; // stopped meanwhile
    this.#shims = new ShimSessions(m.agent, cli, { onError: (e) => this.onLog?.(`docker shim: ${e.message}`) });
  }

  /** The guest went away: its shim sessions end, and facts are asked again of the next. */
  detach(): void {
    this.#shims?.dispose();
    this.#shims = null;
    this.#facts = null;
  }

  /** A new engine (on documents just written by the old one), in place of the old. */
  reopen(): void {
    this.#cli = null;
    this.#host = null;
    this.open(this.#baseUrl);
  }

  /** The engine closes with the machine; the next start opens another. */
  close(): void {
    void this.#host?.then((host) => host?.dispose());
    this.#cli = null;
    this.#host = null;
    this.detach();
  }

  #guestFs(): GuestFs | undefined {
    let share: ShareFs;
    try {
      const m = this.machine();
      if (!m) return undefined;
      share = m.share;
    } catch {
      return undefined; // between boots
    }
    if (this.#shareFs?.share !== share) this.#shareFs = { share, fs: guestFsFromShare(share) };
    return this.#shareFs.fs;
  }
}
