// ESLint (flat config): typescript-eslint's recommended rules, and the layering of the libs
// enforced by eslint-plugin-boundaries. `npm run lint` runs this, then `prettier --check .`.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The libs, bottom layer first. A lib may import only the libs of the layers below its own:
// never one of its layer (no cycles), nor one above, nor an app. Apps and test/ may import
// any lib. A new lib goes into the lowest layer above everything it imports.
const LAYERS = [
  ['contracts', 'config', 'telemetry'],
  ['domain', 'observability'],
  ['db', 'bus'],
  ['platform', 'http', 'audit', 'fhir', 'routing-rules', 'identity'],
  ['inbox', 'access'],
  ['dead-letters', 'partners', 'consent'],
  ['push'],
  ['sick-leave', 'metrics'],
  ['signalements', 'outcomes'],
  ['generator', 'ops', 'erasure'],
  ['demo'],
];

// A lib is used through its index and its alias only: `@pdp/<lib>`, never `@pdp/<lib>/...`
// nor a relative path that leaves the lib (`../../<lib>/src/...`).
const ALIAS = '@pdp/*';

const layerPolicies = LAYERS.flatMap((layer, i) => {
  const below = LAYERS.slice(0, i).flat();
  return layer.map((lib) => ({
    from: { element: { type: 'lib', captured: { lib } } },
    allow: { to: { element: { type: 'lib', captured: { lib: below.length ? below : '!*' } } }, dependency: { source: ALIAS } },
  }));
});

export default defineConfig(
  {
    ignores: ['dist/', 'coverage/', 'node_modules/', 'bench-results/', 'deploy/', 'libs/contracts/src/generated/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore names what is unused on purpose (a parameter an interface requires, a field left out of a rest).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { project: 'tsconfig.json' } },
      'boundaries/elements': [
        { type: 'lib', pattern: 'libs/*', capture: ['lib'], partialMatch: false },
        { type: 'app', pattern: 'apps/*', capture: ['app'], partialMatch: false },
        { type: 'test', pattern: 'test', partialMatch: false },
      ],
      'boundaries/files': [{ category: 'spec', pattern: '**/*.spec.ts' }],
      'boundaries/dependency-nodes': ['import', 'export', 'dynamic-import', 'require'],
    },
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@pdp/*/**'], message: 'Import a lib through its index: @pdp/<lib>, not a file inside it.' }] }],
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          checkUnknownLocals: true,
          policies: [
            ...layerPolicies,
            // An app uses the libs, never another app's files.
            { from: { element: { type: 'app' } }, allow: { to: { element: { type: 'lib' } }, dependency: { source: ALIAS } } },
            { from: { element: { type: 'app' } }, disallow: { to: { element: { type: 'app' } } }, message: "An app never imports another app's files: move what they share into a lib." },
            // The end-to-end tests and their support drive the libs and the apps.
            { from: { element: { type: 'test' } }, allow: [{ to: { element: { type: 'lib' } }, dependency: { source: ALIAS } }, { to: { element: { type: 'app' } } }] },
            // A unit spec may use the shared test support (test/support, the scenarios).
            { from: { element: { type: ['lib', 'app'] }, file: { categories: 'spec' } }, allow: { to: { element: { type: 'test' } } } },
            // Whoever imports a lib from outside it goes through its alias, hence its index.
            {
              disallow: { to: { element: { type: 'lib' } }, dependency: { source: '!@pdp/*' } },
              message: 'Import a lib through its alias and index (@pdp/<lib>), not by a relative path into it.',
            },
          ],
        },
      ],
    },
  },
);
