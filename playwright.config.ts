import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { CONSOLE_ADMIN, CONSOLE_LOGIN_ATTEMPTS } from './e2e/console/support/accounts';

/**
 * The console in Debian's Chromium against the real server, started the way `npm start` starts it after its
 * build step (the custom server over `next build` output), on a fresh data folder and embedded PostgreSQL.
 * `NEXT_DIST_DIR` picks another build folder (an engineer's own build).
 */
const port = Number(process.env.CONSOLE_E2E_PORT ?? 3917);
const baseURL = `http://127.0.0.1:${port}`;
// Fixed per port rather than mkdtemp: the config is evaluated again in each worker, the server starts once.
const dataDir = path.join(os.tmpdir(), `synkronus-console-e2e-${port}`);

export default defineConfig({
  testDir: 'e2e/console',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/playwright',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL,
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-dev-shm-usage',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: `rm -rf '${dataDir}' && mkdir -m 0711 '${dataDir}' && node --max-semi-space-size=32 --import tsx server/main.ts`,
    url: `${baseURL}/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: String(port),
      DATA_DIR: dataDir,
      NEXT_DIST_DIR: process.env.NEXT_DIST_DIR ?? '.next',
      ADMIN_USERNAME: CONSOLE_ADMIN.username,
      ADMIN_PASSWORD: CONSOLE_ADMIN.password,
      SYNKRONUS_BCRYPT_COST: '4',
      // Small, so that the throttling test needs few attempts; other tests sign in with the right password.
      SYNKRONUS_AUTH_LOGIN_ATTEMPTS: String(CONSOLE_LOGIN_ATTEMPTS),
      LOG_LEVEL: 'warn',
      // The embedded PostgreSQL, whatever the shell running the tests points at.
      DATABASE_URL: '',
      DB_CONNECTION: '',
    },
  },
});
