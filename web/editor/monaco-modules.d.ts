// Types for the Monaco ESM entry points imported piecemeal (the package types only its full entry).
declare module 'monaco-editor/esm/vs/editor/edcore.main.js' {
  export * from 'monaco-editor';
}
declare module 'monaco-editor/esm/vs/basic-languages/*';
