// `npm run lint`'s second half, beside dependency-cruiser: typescript-eslint's `recommended` set (syntactic only,
// not type-checked, so it stays fast) and eslint-plugin-svelte's, over the code we write. Types are svelte-check's
// and tsc's job (`npm run typecheck`); this catches the habits types let through.
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';

export default tseslint.config(
  { ignores: ['**/node_modules/', '**/dist/', 'public/', '**/.build/'] },
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    rules: {
      // tsc's own convention (noUnusedLocals/noUnusedParameters): a leading `_` marks a parameter an interface
      // requires, or a key taken out of an object so the rest goes on without it.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Our `svelte-ignore code: reason` comments give the reason after the code, which the plugin reads as more
      // codes; svelte-check --fail-on-warnings already fails on a warning, and on nothing that is unused.
      'svelte/no-unused-svelte-ignore': 'off',
      // State classes keep reactive values in $state.raw fields replaced whole (immutable Map/Set swapped for
      // new ones), and private bookkeeping maps (listeners, waiters, caches) deliberately not reactive.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  {
    // `let [a, b] = ...` where only some are reassigned later reads better as one statement than split in two.
    // (Components are left to svelte/prefer-const, which knows `let { x } = $props()`.)
    files: ['**/*.ts', '**/*.js'],
    rules: { 'prefer-const': ['error', { destructuring: 'all' }] },
  },
  {
    // Every {@html} renders lesson Markdown through web/course/safe-html.ts (DOMPurify), the one place that does.
    files: ['web/course/LessonView.svelte'],
    rules: { 'svelte/no-at-html-tags': 'off' },
  },
  {
    // drydock's mini npm runs as a CommonJS script under node in the guest's node image.
    files: ['emulator/image-build/npm/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
