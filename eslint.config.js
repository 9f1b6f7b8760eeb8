// Lint: typescript-eslint's recommended rules (syntax only, no type information, so it runs in seconds on the
// shared machine), tuned to what this tree means on purpose. Style is Prettier's business, not the linter's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist*/**',
      'node_modules/**',
      'public/**',
      'test-results/**',
      'e2e-artifacts/**',
      'playwright-report/**',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      // `_name` marks a value left out on purpose (a destructured field dropped, a callback's unused argument).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Empty cases grouped under one comment (events handled elsewhere) are not fall-through bugs.
      'no-fallthrough': ['error', { allowEmptyCase: true }],
      // One import style: extensionless relative paths (tsconfig's "bundler" resolution, Vite, Vitest and tsx).
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // Except `*.node.js`: Node's own resolver (tsx, worker threads) reads an extensionless `x.node` as a
              // native addon, so Node-only modules are imported as `x.node.js` (tsx maps it to x.node.ts).
              group: [
                './**/*.js',
                '../**/*.js',
                './*.js',
                '../*.js',
                '!./**/*.node.js',
                '!../**/*.node.js',
                '!./*.node.js',
                '!../*.node.js',
              ],
              message: 'Import TypeScript modules without an extension (Node-only `*.node` modules as `*.node.js`).',
            },
          ],
        },
      ],
    },
  },
);
