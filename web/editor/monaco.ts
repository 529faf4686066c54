/// <reference types="vite/client" />
// Monaco, loaded on demand (import('./monaco.ts')): the editor core, four Monarch grammars and the one editor worker.
//
// edcore.main is the editor with its contributions but none of the language services (TypeScript, CSS, HTML, JSON),
// whose workers are megabytes each; syntax highlighting for the project's files needs only Monarch grammars.
import * as monaco from 'monaco-editor/esm/vs/editor/edcore.main.js';
import 'monaco-editor/esm/vs/basic-languages/dockerfile/dockerfile.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/javascript/javascript.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/python/python.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/shell/shell.contribution.js';
// Vite bundles the worker from this import and gives back its constructor; the URL is relative to the chunk, so a
// sub-path deployment works.
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker.js?worker';

self.MonacoEnvironment = {
  getWorker: () => new EditorWorker({ name: 'drydock-monaco' }),
};

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
