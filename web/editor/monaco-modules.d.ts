// Types for the Monaco ESM entry points imported piecemeal (the package types only its full entry).
declare module 'monaco-editor/esm/vs/editor/editor.api.js' {
  export * from 'monaco-editor';
}
declare module 'monaco-editor/esm/vs/basic-languages/*';
declare module 'monaco-editor/esm/vs/editor/browser/*';
declare module 'monaco-editor/esm/vs/editor/contrib/*';
declare module 'monaco-editor/esm/vs/editor/common/*';
declare module 'monaco-editor/esm/vs/base/browser/*';
