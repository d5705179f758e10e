// ESLint (flat config): the TypeScript and React hooks rules, and the import boundaries of the layout
// (see README.md and docs/architecture.md):
//   - a feature (src/features/<name>) imports no other feature; routes in src/app compose them;
//   - the shared code in src/lib and src/components imports no feature.
// The boundaries are checked on resolved paths (import-x/no-restricted-paths with the TypeScript
// resolver), so `@/features/...`, relative paths, re-exports and dynamic import() are all caught.
// src/testing/eslint-boundaries.test.ts proves the rule still fires.
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;

// One zone per feature directory, found on disk, so a new feature is covered without editing this file.
const features = readdirSync(`${root}/src/features`, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const boundaries = [
  ...features.map((name) => ({
    target: `./src/features/${name}`,
    from: './src/features',
    except: [`./${name}`],
    message: 'A feature may not import another feature; compose them in src/app instead.',
  })),
  {
    target: ['./src/lib', './src/components'],
    from: './src/features',
    message: 'Shared code (src/lib, src/components) may not import a feature.',
  },
];

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'test-results/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `const { secret: _s, ...rest } = obj` is how a key is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks, 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: `${root}/tsconfig.json` })],
    },
    rules: {
      ...reactHooks.configs['recommended-latest'].rules,
      'react-hooks/exhaustive-deps': 'error',
      'import-x/no-restricted-paths': ['error', { basePath: root, zones: boundaries }],
    },
  },
  {
    files: ['*.{js,mjs,ts}', 'scripts/**/*.{js,mjs}', 'e2e/**/*.{js,mjs}'],
    languageOptions: { globals: globals.node },
  },
);
