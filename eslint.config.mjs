import nextCoreWebVitals from 'eslint-config-next/core-web-vitals';
import nextTypescript from 'eslint-config-next/typescript';
import prettier from 'eslint-config-prettier';

/** Next's rules (React, react-hooks, Next, typescript-eslint) with formatting left to Prettier. */
const config = [
  {
    ignores: [
      '.next/**',
      '.next-*/**',
      'node_modules/**',
      'server/db/generated/**',
      'test-results/**',
      'playwright-report/**',
      'next-env.d.ts',
    ],
  },
  ...nextCoreWebVitals,
  ...nextTypescript,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // The console's images are data: and blob: URLs made in the browser (QR codes, attachment previews), which
      // next/image cannot optimise.
      '@next/next/no-img-element': 'off',
      // Sign-in, sign-out and session expiry load the page anew on purpose, so the server re-reads the session.
      '@next/next/no-location-assign-relative-destination': 'off',
    },
  },
  {
    // Tests read untyped JSON answers.
    files: ['e2e/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];

export default config;
