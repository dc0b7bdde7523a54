import { expect, test } from '@playwright/test';
import { CONSOLE_LOGIN_ATTEMPTS } from './support/accounts';
import {
  CONSOLE_ADMIN,
  alerts,
  captureScreens,
  createUserOverRest,
  restHeaders,
  restToken,
  signIn,
  signOut,
} from './support/console';

test.describe('sign-in', () => {
  test('a visitor without a session is sent to sign in, from any console page', async ({ page }) => {
    for (const path of ['/', '/users', '/bundles', '/observations', '/repository', '/account']) {
      await page.goto(path);
      await expect(page).toHaveURL(/\/login$/);
    }
    await expect(page.getByRole('heading', { name: 'Synkronus' })).toBeVisible();
    await captureScreens(page, 'login');
  });

  test('signs in with the right password and out again', async ({ page, context }) => {
    await signIn(page);
    const session = (await context.cookies()).find((cookie) => cookie.name === 'next-auth.session-token');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    // Short: eight hours, not next-auth's thirty days.
    expect(session!.expires * 1000 - Date.now()).toBeLessThanOrEqual(8 * 3600 * 1000 + 60_000);
    await expect(page.getByText(CONSOLE_ADMIN.username, { exact: true })).toBeVisible();
    const server = page.getByRole('region', { name: 'Server' });
    await expect(server.getByText('Healthy')).toBeVisible();
    await expect(server).toContainText('PostgreSQL 18');
    await expect(page.getByRole('link', { name: 'API documentation (Swagger UI)' })).toHaveAttribute(
      'href',
      '/openapi/swagger',
    );
    await captureScreens(page, 'overview');

    // Sliding: reading the session (the console does on load and on focus) pushes the expiry out.
    await page.waitForTimeout(1100);
    await page.request.get('/api/console-auth/session');
    const renewed = (await context.cookies()).find((cookie) => cookie.name === 'next-auth.session-token');
    expect(renewed!.expires).toBeGreaterThan(session!.expires);

    await signOut(page);
    await page.goto('/');
    await expect(page).toHaveURL(/\/login$/);
  });

  test("a deleted user's session ends at once", async ({ page, request }) => {
    const user = await createUserOverRest(request, 'read-write');
    await signIn(page, user);
    await expect(page.getByRole('region', { name: 'Server' }).getByText('Healthy')).toBeVisible();
    const admin = await restToken(request);
    const deleted = await request.delete(`/api/users/delete/${user.username}`, { headers: restHeaders(admin) });
    expect(deleted.status()).toBe(200);
    // The next page it asks for sends it to sign in: the account is read on every request.
    await page.reload();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByLabel('Username')).toBeVisible();
  });

  test('a wrong password is refused in the form and leaves no session', async ({ page, context }) => {
    await page.goto('/login');
    await page.getByLabel('Username').fill(CONSOLE_ADMIN.username);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(alerts(page)).toHaveText('Wrong username or password.');
    expect((await context.cookies()).some((cookie) => cookie.name.includes('session-token'))).toBe(false);
    await captureScreens(page, 'login-error');
  });

  test('sign-in attempts are throttled like the REST login, and the wait is shown', async ({ page, request }) => {
    const user = await createUserOverRest(request, 'read-only');
    await page.goto('/login');
    const attempt = async (password: string) => {
      await page.getByLabel('Username').fill(user.username);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
    };
    for (let i = 0; i < CONSOLE_LOGIN_ATTEMPTS; i++) {
      await attempt('wrong');
      await expect(alerts(page)).toHaveText('Wrong username or password.');
    }
    // Even the right password is held back now, and the form says for how long.
    await attempt(user.password);
    await expect(alerts(page)).toHaveText(/^Too many sign-in attempts\. Try again in \d+ seconds\.$/);
    // The REST login shares the limiter.
    const rest = await request.post('/api/auth/login', { headers: { 'x-ode-version': '1.0.0' }, data: user });
    expect(rest.status()).toBe(429);
    expect(Number(rest.headers()['retry-after'])).toBeGreaterThan(0);
  });
});
