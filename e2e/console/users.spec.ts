import { expect, test } from '@playwright/test';
import {
  CONSOLE_ADMIN,
  alerts,
  captureScreens,
  createUserOverRest,
  decodeFormulusLink,
  openPage,
  readQrImage,
  restHeaders,
  restLogin,
  signIn,
  unique,
} from './support/console';

/** The credentials the "Share with Formulus" dialog encodes, read back from its deep link. */
async function sharedCredentials(page: import('@playwright/test').Page) {
  const dialog = page.getByRole('dialog', { name: 'Share with Formulus' });
  await expect(dialog.getByRole('img', { name: /QR code/ })).toBeVisible();
  await dialog.getByText('Deep link').click();
  return decodeFormulusLink((await dialog.getByTestId('formulus-link').textContent()) ?? '');
}

test.describe('users', () => {
  test('create → QR → the user logs in over REST; reset; delete', async ({ page, request, baseURL }) => {
    await signIn(page);
    await openPage(page, 'Users');

    const username = unique('field-worker');
    await page.getByRole('button', { name: 'Create user' }).click();
    const create = page.getByRole('dialog', { name: 'Create user' });
    await create.getByLabel('Username').fill(username);
    const generated = await create.getByLabel('Password').inputValue();
    expect(generated).toMatch(/^[^0O1lI]{16}$/);
    await create.getByLabel('Role').selectOption('read-write');
    await create.getByRole('button', { name: 'Create user' }).click();

    const created = await sharedCredentials(page);
    expect(created).toEqual({ v: '1', s: baseURL, u: username, p: generated });
    const dialog = page.getByRole('dialog', { name: 'Share with Formulus' });
    // The code itself, logo and all, still reads back as the deep link; the logo's blue sits in the middle.
    const qr = await readQrImage((await dialog.getByRole('img', { name: /QR code/ }).getAttribute('src')) ?? '');
    expect(qr.text).toBe(await dialog.getByTestId('formulus-link').textContent());
    expect(qr.colourAt(0.43, 0.5)).toEqual([0x1f, 0x5f, 0xd6]);
    expect(qr.colourAt(0.57, 0.45)).toEqual([0x1f, 0x5f, 0xd6]);
    // The server URL is editable and the code follows it.
    await dialog.getByLabel('Server URL').fill('http://192.168.1.20:8080');
    expect(decodeFormulusLink((await dialog.getByTestId('formulus-link').textContent()) ?? '').s).toBe(
      'http://192.168.1.20:8080',
    );
    const download = page.waitForEvent('download');
    await dialog.getByRole('button', { name: 'Download PNG' }).click();
    expect((await download).suggestedFilename()).toBe(`formulus-qr-${username}.png`);
    await captureScreens(page, 'users-share-qr');
    await dialog.getByRole('button', { name: 'Done' }).click();

    expect((await restLogin(request, username, generated)).status).toBe(200);
    const row = page.getByRole('row').filter({ hasText: username });
    await expect(row.getByText('read-write')).toBeVisible();

    // Reset: the old password stops working, the new one (from the QR) works.
    await row.getByRole('button', { name: 'Reset password' }).click();
    await page
      .getByRole('dialog', { name: `Reset password of ${username}` })
      .getByRole('button', { name: 'Reset password' })
      .click();
    const reset = await sharedCredentials(page);
    expect(reset.p).not.toBe(generated);
    await page.getByRole('button', { name: 'Done' }).click();
    expect((await restLogin(request, username, generated)).status).toBe(401);
    expect((await restLogin(request, username, reset.p)).status).toBe(200);

    // Delete, after a confirmation.
    await row.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete user' });
    await expect(confirm).toContainText(username);
    await confirm.getByRole('button', { name: 'Delete user' }).click();
    await expect(page.getByRole('row').filter({ hasText: username })).toHaveCount(0);
    expect((await restLogin(request, username, reset.p)).status).toBe(401);
  });

  test('search, and per-device presence with relative times', async ({ page, request }) => {
    const user = await createUserOverRest(request, 'read-write');
    const { token } = await restLogin(request, user.username, user.password);
    const manifest = await request.post('/api/attachments/manifest', {
      headers: restHeaders(token!, { 'x-ode-client-id': 'tablet-07', 'x-ode-version': '1.4.2' }),
      data: { client_id: 'tablet-07', since_version: 0 },
    });
    expect(manifest.status()).toBe(200);

    await signIn(page);
    await page.goto('/users');
    await page.getByLabel('Search').fill(user.username);
    await expect(page.getByRole('row')).toHaveCount(2);
    const row = page.getByRole('row').filter({ hasText: user.username });
    await expect(row.getByRole('time')).toHaveText(/just now|sec\. ago|min\. ago/);
    await row.getByRole('button', { name: '1 device' }).click();
    const device = page.getByRole('listitem').filter({ hasText: 'tablet-07' });
    await expect(device).toContainText('1.4.2');
    await page.getByLabel('Search').fill('no-such-user-anywhere');
    await expect(page.getByText('No user matches')).toBeVisible();
    await page.getByLabel('Search').fill('');
    await captureScreens(page, 'users');
  });

  test('a wrong current password is an error in the form and keeps the session', async ({ page, request }) => {
    const user = await createUserOverRest(request, 'read-only');
    await signIn(page, user);
    await openPage(page, 'My account');
    await page.getByLabel('Current password').fill('not-my-password');
    await page.getByLabel('New password', { exact: true }).fill('brand-new-pass-1');
    await page.getByLabel('Repeat new password').fill('brand-new-pass-1');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(alerts(page)).toHaveText('Current password is incorrect');
    await captureScreens(page, 'account-error');
    // Still signed in: the page reloads as this user.
    await page.reload();
    await expect(page.getByRole('heading', { name: 'My account' })).toBeVisible();
    expect((await restLogin(request, user.username, user.password)).status).toBe(200);

    await page.getByLabel('Current password').fill(user.password);
    await page.getByLabel('New password', { exact: true }).fill('brand-new-pass-1');
    await page.getByLabel('Repeat new password').fill('brand-new-pass-1');
    await page.getByRole('button', { name: 'Change password' }).click();
    // The change ends the session: back to sign-in, told why.
    await expect(page).toHaveURL(/\/login\?expired=password$/);
    await expect(page.getByRole('status').filter({ hasText: 'Password changed' })).toBeVisible();
    expect((await restLogin(request, user.username, 'brand-new-pass-1')).status).toBe(200);
    expect((await restLogin(request, user.username, user.password)).status).toBe(401);
  });

  test('the admin changes their own password from My account too', async ({ page }) => {
    await signIn(page);
    await page.goto('/account');
    await expect(page.getByText(CONSOLE_ADMIN.username, { exact: true }).first()).toBeVisible();
    await page.getByLabel('Current password').fill(CONSOLE_ADMIN.password);
    await page.getByLabel('New password', { exact: true }).fill('one');
    await page.getByLabel('Repeat new password').fill('two');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(alerts(page)).toHaveText('The new passwords do not match.');
    await captureScreens(page, 'account');
  });
});
