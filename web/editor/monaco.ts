/// <reference types="vite/client" />
// Monaco, loaded on demand (import('./monaco.ts')): the editor core, five Monarch grammars and the one editor worker.
//
// No language services (TypeScript, CSS, HTML, JSON), whose workers are megabytes each: syntax highlighting for the
// project's files needs only Monarch grammars, and Dockerfile checks come from our own parser on the main thread.
import * as monaco from 'monaco-editor/esm/vs/editor/editor.api.js';
// The editing features a learner uses in a small project; the rest of edcore.main (diff editor, inline completions,
// code lens, colour picker, sticky scroll, quick access...) would double the chunk for nothing here.
import 'monaco-editor/esm/vs/editor/browser/coreCommands.js';
import 'monaco-editor/esm/vs/editor/contrib/bracketMatching/browser/bracketMatching.js';
import 'monaco-editor/esm/vs/editor/contrib/clipboard/browser/clipboard.js';
import 'monaco-editor/esm/vs/editor/contrib/comment/browser/comment.js';
import 'monaco-editor/esm/vs/editor/contrib/contextmenu/browser/contextmenu.js';
import 'monaco-editor/esm/vs/editor/contrib/cursorUndo/browser/cursorUndo.js';
import 'monaco-editor/esm/vs/editor/contrib/find/browser/findController.js';
import 'monaco-editor/esm/vs/editor/contrib/folding/browser/folding.js';
import 'monaco-editor/esm/vs/editor/contrib/gotoError/browser/gotoError.js';
import 'monaco-editor/esm/vs/editor/contrib/hover/browser/hoverContribution.js';
import 'monaco-editor/esm/vs/editor/contrib/indentation/browser/indentation.js';
import 'monaco-editor/esm/vs/editor/contrib/linesOperations/browser/linesOperations.js';
import 'monaco-editor/esm/vs/editor/contrib/multicursor/browser/multicursor.js';
import 'monaco-editor/esm/vs/editor/contrib/wordOperations/browser/wordOperations.js';
import 'monaco-editor/esm/vs/editor/common/standaloneStrings.js';
import 'monaco-editor/esm/vs/base/browser/ui/codicons/codicon/codicon.css';
// Vite bundles the worker from this import and gives back its constructor; the URL is relative to the chunk, so a
// sub-path deployment works.
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker.js?worker';

self.MonacoEnvironment = {
  getWorker: () => new EditorWorker({ name: 'drydock-monaco' }),
};

/**
 * Monarch grammars, each fetched when a file of its language is first shown. Registered here rather than through
 * monaco's `*.contribution.js` modules, which (0.55) import every editor feature statically and so would pull the
 * whole of edcore.main into this chunk; the JavaScript, Python and YAML grammars still do, which is why they load last.
 */
type Grammar = { conf: monaco.languages.LanguageConfiguration; language: monaco.languages.IMonarchLanguage };
const GRAMMARS: Record<string, () => Promise<Grammar>> = {
  dockerfile: () => import('monaco-editor/esm/vs/basic-languages/dockerfile/dockerfile.js'),
  shell: () => import('monaco-editor/esm/vs/basic-languages/shell/shell.js'),
  yaml: () => import('monaco-editor/esm/vs/basic-languages/yaml/yaml.js'),
  javascript: () => import('monaco-editor/esm/vs/basic-languages/javascript/javascript.js'),
  python: () => import('monaco-editor/esm/vs/basic-languages/python/python.js'),
};
for (const [id, load] of Object.entries(GRAMMARS)) {
  monaco.languages.register({ id });
  monaco.languages.onLanguage(id, () => {
    load().then(
      (grammar) => {
        monaco.languages.setLanguageConfiguration(id, grammar.conf);
        monaco.languages.setMonarchTokensProvider(id, grammar.language);
      },
      (error: unknown) => console.warn(`Syntax highlighting for ${id} could not load:`, error),
    );
  });
}

monaco.editor.defineTheme('drydock-dark', {
  base: 'vs-dark',
  inherit: true,
  rules: [],
  colors: {
    // The terminal's background, so the two panes read as one surface.
    'editor.background': '#0d1117',
  },
});

export { monaco };
export type Monaco = typeof monaco;
