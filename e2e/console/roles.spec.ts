import { expect, test, type Page } from '@playwright/test';
import { captureScreens, createUserOverRest, openPage, signIn } from './support/console';

/** A tRPC mutation sent with the page's session cookie, as the console itself would. */
async function callMutation(page: Page, procedure: string, input: unknown) {
  const response = await page.request.post(`/api/trpc/${procedure}`, { data: input });
  return { status: response.status(), body: await response.json() };
}

for (const role of ['read-only', 'read-write'] as const) {
  test(`${role}: no write actions shown, and the server refuses them anyway`, async ({ page, request }) => {
    await signIn(page, await createUserOverRest(request, role));
    const nav = page.getByRole('navigation', { name: 'Console' });
    await expect(nav.getByRole('link', { name: 'Users' })).toHaveCount(0);
    await expect(nav.getByRole('link', { name: 'My account' })).toBeVisible();
    // The overview shows no user count to non-admins.
    await expect(page.getByText('Observations (live)')).toBeVisible();
    await expect(page.locator('.stat-label', { hasText: /^Users$/ })).toHaveCount(0);

    await openPage(page, 'App bundles');
    await expect(page.getByRole('region', { name: 'Upload a new version' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Activate' })).toHaveCount(0);
    await openPage(page, 'Repository');
    await expect(page.getByRole('region', { name: 'Status' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Reset repository' })).toHaveCount(0);
    await page.goto('/users');
    await expect(page.getByText('Only admins manage users')).toBeVisible();
    if (role === 'read-only') await captureScreens(page, 'users-read-only');

    for (const [procedure, input] of [
      ['users.create', { username: 'sneaky', password: 'x', role: 'admin' }],
      ['users.resetPassword', { username: 'console-admin', newPassword: 'x' }],
      ['bundles.activate', { version: '0001' }],
      ['sync.resetRepository', { confirm: 'RESET_REPOSITORY' }],
    ] as const) {
      const { status, body } = await callMutation(page, procedure, input);
      expect(status, procedure).toBe(403);
      expect(body.error.data.code).toBe('FORBIDDEN');
    }
    // The streaming REST route behind the upload checks the role as well, with the console's token.
    const { body: access } = await callMutation(page, 'console.accessToken', {});
    const push = await page.request.post('/api/app-bundle/push', {
      headers: { Authorization: `Bearer ${access.result.data.token}`, 'x-ode-version': access.result.data.odeVersion },
      multipart: { bundle: { name: 'b.zip', mimeType: 'application/zip', buffer: Buffer.from('PK') } },
    });
    expect(push.status()).toBe(403);
  });
}

test('the session cookie does not work for a call from another origin', async ({ page }) => {
  await signIn(page);
  const sameOrigin = await page.request.post('/api/trpc/console.accessToken', {
    data: {},
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(sameOrigin.status()).toBe(200);
  const crossOrigin = await page.request.post('/api/trpc/console.accessToken', {
    data: {},
    headers: { Origin: 'http://127.0.0.1:1' },
  });
  expect(crossOrigin.status()).toBe(401);
});

test('dark mode follows the system and the toggle overrides it', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await signIn(page);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(await background()).toBe('rgb(15, 18, 24)');
  await captureScreens(page, 'overview-dark');
  await page.getByLabel('Theme').selectOption('light');
  expect(await background()).toBe('rgb(245, 246, 248)');
  // The choice survives a reload without a flash of the other theme.
  await page.reload();
  expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
  await page.getByLabel('Theme').selectOption('system');
  expect(await background()).toBe('rgb(15, 18, 24)');
});
