// The app's one project: the course's example at first, kept in IndexedDB across reloads.
import { EditorWorkspace } from './editor-workspace.svelte.ts';
import { EXAMPLE_PROJECT } from './example-project.ts';
import { Project } from './project.svelte.ts';
import { IndexedDbProjectStore } from './project-store.ts';

export function openProject(): Project {
  const store = typeof indexedDB === 'undefined' ? undefined : new IndexedDbProjectStore();
  const project = new Project({ store, example: EXAMPLE_PROJECT });
  // A reload or a closed tab must not drop the last keystrokes still waiting for the save timer.
  addEventListener('pagehide', () => void project.flush());
  addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') void project.flush();
  });
  return project;
}

/** The project plus the editor pane's state; `typeInTerminal` is how the Build button types its command. */
export function openEditorWorkspace(typeInTerminal: (text: string) => void): EditorWorkspace {
  return new EditorWorkspace(openProject(), { typeInTerminal, settings: globalThis.localStorage });
}
