import { expect, request as playwrightRequest, test, type BrowserContext } from '@playwright/test';
import { CONSOLE_ADMIN, createUserOverRest, restHeaders, restToken, signIn, signOut, unique } from './support/console';

const SESSION_COOKIE = 'next-auth.session-token';

async function savedSessionCookie(context: BrowserContext) {
  const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
  expect(cookie, 'the console set its session cookie').toBeTruthy();
  return cookie!;
}

/**
 * Replays a saved session cookie from a fresh client (no browser state): the console page and a console call.
 * `open` is whether the server still takes it.
 */
async function replay(baseURL: string, cookie: { name: string; value: string }) {
  const client = await playwrightRequest.newContext({
    baseURL,
    extraHTTPHeaders: { cookie: `${cookie.name}=${cookie.value}` },
  });
  try {
    const page = await client.get('/users', { maxRedirects: 0 });
    const call = await client.get('/api/trpc/console.me');
    return { pageStatus: page.status(), location: page.headers().location ?? '', callStatus: call.status() };
  } finally {
    await client.dispose();
  }
}

async function expectOpen(baseURL: string, cookie: { name: string; value: string }) {
  expect(await replay(baseURL, cookie)).toMatchObject({ pageStatus: 200, callStatus: 200 });
}

async function expectRefused(baseURL: string, cookie: { name: string; value: string }) {
  const result = await replay(baseURL, cookie);
  expect(result.pageStatus).toBe(307);
  expect(result.location).toMatch(/\/login$/);
  expect(result.callStatus).toBe(401);
}

test.describe('a saved session cookie stops working at once', () => {
  test('after sign-out', async ({ page, context, baseURL, request }) => {
    const admin = await createUserOverRest(request, 'admin');
    await signIn(page, admin);
    const cookie = await savedSessionCookie(context);
    await expectOpen(baseURL!, cookie);
    await signOut(page);
    await expectRefused(baseURL!, cookie);
    // Signing in again opens a new session; the old cookie stays dead.
    await signIn(page, admin);
    await expectOpen(baseURL!, await savedSessionCookie(context));
    await expectRefused(baseURL!, cookie);
  });

  test('after the user changes the password (REST) and after an admin resets it', async ({
    page,
    context,
    baseURL,
    request,
  }) => {
    const user = await createUserOverRest(request, 'read-write');
    await signIn(page, user);
    const first = await savedSessionCookie(context);
    const changed = await request.post('/api/users/change-password', {
      headers: restHeaders(await restToken(request, user)),
      data: { currentPassword: user.password, newPassword: 'changed-password-1' },
    });
    expect(changed.status()).toBe(200);
    await expectRefused(baseURL!, first);
    // The open console notices by itself (its live-update poll is refused) and goes to sign-in.
    await expect(page).toHaveURL(/\/login\?expired=1$/, { timeout: 15_000 });

    await signIn(page, { username: user.username, password: 'changed-password-1' });
    const second = await savedSessionCookie(context);
    await expectOpen(baseURL!, second);
    const reset = await request.post('/api/users/reset-password', {
      headers: restHeaders(await restToken(request, CONSOLE_ADMIN)),
      data: { username: user.username, newPassword: 'reset-password-2' },
    });
    expect(reset.status()).toBe(200);
    await expectRefused(baseURL!, second);
    await expect(page).toHaveURL(/\/login\?expired=1$/, { timeout: 15_000 });
  });

  test('after a password change in the console itself', async ({ page, context, baseURL, request }) => {
    const user = await createUserOverRest(request, 'read-only');
    await signIn(page, user);
    const cookie = await savedSessionCookie(context);
    await page.goto('/account');
    await page.getByLabel('Current password').fill(user.password);
    await page.getByLabel('New password', { exact: true }).fill('console-changed-3');
    await page.getByLabel('Repeat new password').fill('console-changed-3');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page).toHaveURL(/\/login/);
    await expectRefused(baseURL!, cookie);
  });

  test('after the user is deleted, even when an account of that name is created again', async ({
    page,
    context,
    baseURL,
    request,
  }) => {
    const user = await createUserOverRest(request, 'admin');
    await signIn(page, user);
    const cookie = await savedSessionCookie(context);
    const admin = restHeaders(await restToken(request, CONSOLE_ADMIN));
    expect((await request.delete(`/api/users/delete/${user.username}`, { headers: admin })).status()).toBe(200);
    await expectRefused(baseURL!, cookie);
    const again = await request.post('/api/users/create', {
      headers: admin,
      data: { ...user, password: unique('pw') },
    });
    expect(again.status()).toBe(201);
    await expectRefused(baseURL!, cookie);
    // The open console notices by itself; the test ends on a settled page, not mid-navigation.
    await expect(page).toHaveURL(/\/login\?expired=1$/, { timeout: 15_000 });
  });
});
