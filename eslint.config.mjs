import nextCoreWebVitals from 'eslint-config-next/core-web-vitals';
import nextTypescript from 'eslint-config-next/typescript';
import prettier from 'eslint-config-prettier';

/** Next's rules (React, react-hooks, Next, typescript-eslint) with formatting left to Prettier. */
const config = [
  {
    ignores: ['.next/**', '.next-*/**', 'node_modules/**', 'server/db/generated/**', 'test-results/**', 'playwright-report/**', 'next-env.d.ts'],
  },
  ...nextCoreWebVitals,
  ...nextTypescript,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
];

export default config;
