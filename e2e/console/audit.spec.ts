import { expect, test } from '@playwright/test';
import { CONSOLE_ADMIN, captureScreens, openPage, restHeaders, restToken, signIn, unique } from './support/console';

test('audit log: console sign-in failures, filters by action, actor and time, paging', async ({ page, request }) => {
  // A failed console sign-in is recorded with the username tried.
  const tried = unique('nobody');
  await page.goto('/login');
  await page.getByLabel('Username').fill(tried);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('alert').filter({ hasText: 'Wrong username or password.' })).toBeVisible();

  // More exports than one page holds.
  const token = await restToken(request);
  for (let i = 0; i < 26; i++) {
    const response = await request.get('/api/dataexport/raw-json', { headers: restHeaders(token) });
    expect(response.status()).toBe(200);
  }

  await signIn(page);
  await openPage(page, 'Audit log');
  const rows = page.getByTestId('audit-event');
  await expect(rows.first()).toBeVisible();

  await page.getByLabel('Action').selectOption('auth.login_failed');
  await page.getByLabel('Actor').fill(tried);
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('channel: console');
  await captureScreens(page, 'audit');

  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByLabel('Action').selectOption('auth.login');
  await page.getByLabel('Actor').fill(CONSOLE_ADMIN.username);
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(rows.filter({ hasText: 'channel: console' }).first()).toBeVisible();

  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByLabel('Action').selectOption('export.raw_json');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(rows).toHaveCount(25);
  await page.getByRole('button', { name: 'Older' }).click();
  await expect(page.getByText('Page 2')).toBeVisible();
  await expect(rows.first()).toContainText('export.raw_json');
  await page.getByRole('button', { name: 'Newer' }).click();
  await expect(rows).toHaveCount(25);

  const tomorrow = new Date(Date.now() + 24 * 60 * 60 * 1000);
  const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  await page.getByLabel('From').fill(local);
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByText('No events')).toBeVisible();
});
