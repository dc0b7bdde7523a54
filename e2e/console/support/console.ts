import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import archiver from 'archiver';
import jsQR from 'jsqr';
import sharp from 'sharp';
import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { CONSOLE_ADMIN } from './accounts';

export { CONSOLE_ADMIN };

/** What every REST call carries (the server's major version). */
export const ODE_VERSION = '1.0.0';
const SCREENS_DIR = path.resolve(__dirname, '..', '..', '..', 'test-results', 'screens');
const WIDTHS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
];

let sequence = 0;
/** A name no other test (or earlier run against the same server) uses. */
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++sequence}`;

export async function signIn(page: Page, user: { username: string; password: string } = CONSOLE_ADMIN): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview', exact: true })).toBeVisible();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
}

/**
 * Full-page screenshots at desktop and phone width, in the light and the dark theme, into
 * test-results/screens/<name>-<width>-<light|dark>.png.
 */
export async function captureScreens(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENS_DIR, { recursive: true });
  const original = page.viewportSize();
  const emulatedDark = await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    for (const size of WIDTHS) {
      await page.setViewportSize(size);
      await page.waitForLoadState('networkidle');
      await expect(page.locator('.spinner')).toHaveCount(0);
      await page.screenshot({
        path: path.join(SCREENS_DIR, `${name}-${size.width}-${colorScheme}.png`),
        fullPage: true,
      });
    }
  }
  await page.emulateMedia({ colorScheme: emulatedDark ? 'dark' : 'light' });
  if (original) await page.setViewportSize(original);
}

/** The text a QR code image (a data: URL) holds, read by jsQR, and the colour at a point given in fractions of its size. */
export async function readQrImage(dataUrl: string) {
  const png = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const code = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height);
  const colourAt = (x: number, y: number) => {
    const at = (Math.floor(info.height * y) * info.width + Math.floor(info.width * x)) * 4;
    return [data[at], data[at + 1], data[at + 2]];
  };
  return { text: code?.data, colourAt };
}

// REST, as a device or script would call it.

export async function restLogin(request: APIRequestContext, username: string, password: string) {
  const response = await request.post('/api/auth/login', {
    headers: { 'x-ode-version': ODE_VERSION },
    data: { username, password },
  });
  const body = response.ok() ? ((await response.json()) as { token: string }) : undefined;
  return { status: response.status(), token: body?.token };
}

export async function restToken(
  request: APIRequestContext,
  user: { username: string; password: string } = CONSOLE_ADMIN,
): Promise<string> {
  const { status, token } = await restLogin(request, user.username, user.password);
  expect(status).toBe(200);
  return token!;
}

export const restHeaders = (token: string, extra: Record<string, string> = {}) => ({
  Authorization: `Bearer ${token}`,
  'x-ode-version': ODE_VERSION,
  ...extra,
});

export async function createUserOverRest(request: APIRequestContext, role: 'read-only' | 'read-write' | 'admin') {
  const user = { username: unique(role), password: `pw-${unique('secret')}`, role };
  const response = await request.post('/api/users/create', {
    headers: restHeaders(await restToken(request)),
    data: user,
  });
  expect(response.status()).toBe(201);
  return user;
}

/** An observation as a device pushes it; `at` for both timestamps (one push often shares one). */
export function observationRecord(
  id: string,
  formType: string,
  extra: { data?: object; deleted?: boolean; geolocation?: object; at?: string } = {},
) {
  const at = extra.at ?? new Date().toISOString();
  return {
    observation_id: id,
    form_type: formType,
    form_version: '1',
    data: extra.data ?? {},
    created_at: at,
    updated_at: at,
    deleted: extra.deleted ?? false,
    ...(extra.geolocation && { geolocation: extra.geolocation }),
  };
}

/** One push over REST as a read-write device; the push must succeed. */
export async function pushRecords(request: APIRequestContext, token: string, records: object[]): Promise<void> {
  const push = await request.post('/api/sync/push', {
    headers: restHeaders(token),
    data: { transmission_id: unique('t'), client_id: 'console-test-device', records },
  });
  expect(push.status(), await push.text()).toBe(200);
}

/** A zip built in memory by archiver from path → content. */
export async function zipOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const archive = archiver('zip');
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise((resolve, reject) => {
    sink.on('end', resolve);
    archive.on('error', reject);
  });
  archive.pipe(sink);
  for (const [name, content] of Object.entries(files)) archive.append(content, { name });
  await archive.finalize();
  await finished;
  return Buffer.concat(chunks);
}

/** Reads the FRMLS v1 payload out of a formulus://settings deep link (independently of the console's encoder). */
export function decodeFormulusLink(link: string): Record<string, string> {
  const url = new URL(link);
  expect(url.protocol).toBe('formulus:');
  const payload = url.searchParams.get('payload') ?? '';
  expect(payload).toMatch(/^FRMLS:.*;;$/);
  const fields = payload.slice('FRMLS:'.length, -2).split(';');
  return Object.fromEntries(
    fields.map((field) => {
      const [key, value] = [field.slice(0, field.indexOf(':')), field.slice(field.indexOf(':') + 1)];
      return [key, Buffer.from(value, 'base64').toString('utf8')];
    }),
  );
}

/** Alerts the console shows (Next's route announcer, which reads out page titles, is an alert region too). */
export const alerts = (scope: Page | Locator) => scope.locator('[role="alert"]:not(#__next-route-announcer__)');

export async function openPage(page: Page, label: string): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Console' });
  // On a phone the navigation sits behind the Menu button.
  if (!(await nav.isVisible())) await page.getByRole('button', { name: 'Menu' }).click();
  await nav.getByRole('link', { name: label, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: label })).toBeVisible();
}
