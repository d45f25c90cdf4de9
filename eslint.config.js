// Lint rules: the recommended sets of ESLint and typescript-eslint, over sources, tests and examples.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'docs/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The worker-thread scripts of the wasm backend and of the kernel pack's loops are CommonJS.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', WebAssembly: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
