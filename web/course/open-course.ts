// Composes the course for the app: the bundled lessons, progress in localStorage, and the lesson host over the
// page's machine, editor workspace and terminal.
import { DEFAULT_BUILD_TAG, type EditorWorkspace } from '../editor/editor-workspace.svelte.ts';
import type { InspectState } from '../inspect/inspect.svelte.ts';
import type { MachineState } from '../machine.svelte.ts';
import { keepStorage } from '../storage-persist.ts';
import type { TerminalSession } from '../terminal-session.svelte.ts';
import { CourseState } from './course.svelte.ts';
import { bundledCourse } from './lesson-bundle.ts';
import type { LessonHost } from './lesson-session.svelte.ts';

const SYNC_WAIT_MS = 30_000;

export function openCourse(options: { machine: MachineState; editor: EditorWorkspace; terminal: TerminalSession; showConsole?: () => void; inspect: InspectState }): CourseState {
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
  return new CourseState({ course: bundledCourse({ fixtures }), host, storage: globalThis.localStorage, onStepDone: () => void keepStorage() });
}
