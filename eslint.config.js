// Lint rules: the recommended sets of ESLint and typescript-eslint, over sources, tests and examples.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'docs/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The wasm backend's worker-thread script (src/engine/wasm_threads_worker.cjs) is CommonJS.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
