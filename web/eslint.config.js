// Lint: typed TypeScript rules, React hooks, and the one-way import flow
// app -> features -> shared (components, lib, config, testing).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const SHARED_MAY_NOT = {
  group: ['@/app', '@/app/**', '@/features', '@/features/**', '**/app/**', '**/features/**'],
  message: 'Shared code (components, lib, config, testing) must not import from app/ or features/.',
};

const FEATURES_MAY_NOT = [
  {
    group: ['@/app', '@/app/**'],
    message: 'Features must not import from app/: app composes features, not the other way round.',
  },
  {
    // One feature may not reach into another; `catalog` (cards and item actions) is the shared
    // domain layer every feature builds on.
    group: ['@/features/*', '!@/features/catalog', '@/features/*/**', '!@/features/catalog/**'],
    message:
      'Features import no other feature but features/catalog (compose them in app/); inside a feature, import relatively.',
  },
  {
    group: ['../../*'],
    message: 'Reach outside your feature through the @/ alias, not ../../.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'src/lib/api/schema.d.ts', 'e2e', 'scripts', '*.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unnecessary-condition': 'off',
      'react-hooks/refs': 'off',
    },
  },
  {
    files: ['src/components/**', 'src/lib/**', 'src/config/**', 'src/testing/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [SHARED_MAY_NOT] }] },
  },
  {
    files: ['src/features/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: FEATURES_MAY_NOT }] },
  },
  {
    files: ['src/**/*.test.{ts,tsx}', 'src/testing/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
);
