// Composes the course for the app: the bundled lessons, progress in localStorage, and the lesson host over the
// page's machine, editor workspace and terminal.
import { DEFAULT_BUILD_TAG, type EditorWorkspace } from '../editor/editor-workspace.svelte.ts';
import type { InspectState } from '../inspect/inspect.svelte.ts';
import type { MachineState } from '../machine.svelte.ts';
import { keepStorage } from '../storage-persist.ts';
import type { TerminalSession } from '../terminal-session.svelte.ts';
import { CourseShelf } from './course-shelf.svelte.ts';
import { CourseState } from './course.svelte.ts';
import { bundledCourse } from './lesson-bundle.ts';
import { imageNames } from './lesson-sources.ts';
import type { LessonHost } from './lesson-session.svelte.ts';

const SYNC_WAIT_MS = 30_000;

let registry: Promise<string[]> | undefined;
/** The static registry's image names, fetched once (from the app's base, wherever it is hosted). */
function registryImages(): Promise<string[]> {
  registry ??= fetch(new URL('registry/images.json', document.baseURI))
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`registry/images.json: ${r.status}`))))
    .then(imageNames)
    .catch((error: unknown) => {
      registry = undefined;
      throw error;
    });
  return registry;
}

export function openCourse(options: { machine: MachineState; editor: EditorWorkspace; terminal: TerminalSession; showConsole?: () => void; inspect: InspectState }): CourseShelf {
  const { machine, editor, terminal, inspect } = options;
  const host: LessonHost = {
    machine,
    inspect,
    project: editor.project,
    editor: {
      setBuildTag: (tag) => (editor.buildTag = tag ?? DEFAULT_BUILD_TAG),
      show: () => editor.show(),
    },
    async syncProject() {
      // The editor links /root/app and syncs once the machine is up; lesson files must be there before setup runs.
      const deadline = Date.now() + SYNC_WAIT_MS;
      while (editor.syncStatus !== 'synced') {
        if (editor.syncStatus === 'failed') throw new Error(`the project could not be synced into the machine: ${editor.syncError ?? 'unknown error'}`);
        if (Date.now() > deadline) throw new Error('the project did not reach the machine in time');
        await new Promise((r) => setTimeout(r, 100));
      }
      await editor.project.flush();
      await editor.flush();
    },
    onTerminalEnter(listener) {
      // xterm's onData carries keystrokes, pastes and text typed for the learner (Run, Build) alike.
      const subscription = terminal.terminal.onData((data) => {
        if (data.includes('\r')) listener();
      });
      return () => subscription.dispose();
    },
    terminal: {
      input: (text) => {
        // Lessons type into the console (Terminal 1), shown first; a bare Enter only redraws the prompt after a
        // restore, which is no reason to take a learner away from the lesson they read (on a phone, the lesson's tab).
        if (text !== '\r') options.showConsole?.();
        terminal.terminal.input(text);
      },
      cursorLine: () => terminal.cursorLine(),
      lineFeeds: () => terminal.lineFeeds(),
    },
  };
  const fixtures = new URLSearchParams(globalThis.location?.search ?? '').get('course') === 'fixtures';
  // A step done is progress to lose: from then on, ask the browser to keep this origin's data (images, progress).
  const onStepDone = () => void keepStorage();
  const storage = globalThis.localStorage;
  return new CourseShelf({
    main: new CourseState({ course: bundledCourse({ fixtures }), host, storage, onStepDone }),
    openPack: (pack) =>
      new CourseState({
        course: pack.course,
        host,
        storage,
        onStepDone,
        pack: { source: pack.source, base: pack.source.startsWith('file:') ? undefined : pack.source, title: pack.title },
      }),
    registryImages,
  });
}
