import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// `import process from 'node:process'` runs every getter of process (stdin, report, …) and loads
// some 30 of Node's own modules: several milliseconds of each action's cold start. The global is
// the same object.
const slowBuiltins = [
  { name: 'node:process', message: 'Use the global `process` (the import costs cold start).' },
  { name: 'process', message: 'Use the global `process` (the import costs cold start).' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tmp/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { paths: slowBuiltins }],
    },
  },
  {
    // The core is platform-free: no CI toolkit, no environment, no printing.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: slowBuiltins,
          patterns: [
            { group: ['@actions/*', '@octokit/*', '**/entrypoints/**', '**/platforms/**'] },
            {
              // The core reaches clients, the app and input declarations only through
              // ports it defines (src/core/ports.ts, CommandDeps): their types, never their code.
              group: ['**/clients/**', '**/app/**', '**/inputs/**'],
              allowTypeImports: true,
              message:
                'src/core imports clients, app and inputs only with `import type`: take the value through a port (CommandDeps).',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          // import('…') is an import too: the app loads clients lazily, the core never does.
          selector:
            'ImportExpression[source.value=/(^|\\/)(clients|app|platforms|inputs|entrypoints)\\//]',
          message: 'src/core never loads clients, app, platforms or inputs: the app passes a port.',
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'The core never reads the environment: take it as a parameter.',
        },
      ],
      'no-console': 'error',
    },
  },
  {
    files: ['scripts/**', 'bench/**', 'test/**'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The example project's plain Node scripts (its model server and load loop for the demo).
    files: ['examples/**/*.mjs'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'process',
          'console',
          'Buffer',
          'URL',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);
