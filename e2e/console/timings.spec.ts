import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createUserOverRest, restHeaders, restToken, signIn, unique } from './support/console';

/** Pages, with the heading that says the page is there. */
const PAGES = [
  { path: '/', heading: 'Overview' },
  { path: '/users', heading: 'Users' },
  { path: '/bundles', heading: 'App bundles' },
  { path: '/observations', heading: 'Observations' },
  { path: '/export', heading: 'Data export' },
  { path: '/repository', heading: 'Repository' },
  { path: '/account', heading: 'My account' },
];
const OBSERVATIONS = 3000;
const BATCH = 1000;

/**
 * First load to content of every console page (navigation start until the heading is shown and no spinner is
 * left), on a server holding a few thousand geolocated observations. Written to test-results/timings.json.
 */
test('page timings: first load to content', async ({ page, request }) => {
  const writer = await restToken(request, await createUserOverRest(request, 'read-write'));
  for (let start = 0; start < OBSERVATIONS; start += BATCH) {
    const now = new Date().toISOString();
    const records = Array.from({ length: BATCH }, (_, i) => ({
      observation_id: unique(`timing-${start + i}`),
      form_type: ['household', 'clinic', 'water_point'][i % 3],
      form_version: '1',
      data: { n: start + i },
      created_at: now,
      updated_at: now,
      deleted: false,
      geolocation: { latitude: -6.8 + ((i * 37) % 400) / 100, longitude: 39.2 + ((i * 53) % 400) / 100, accuracy: 5 },
    }));
    const push = await request.post('/api/sync/push', {
      headers: restHeaders(writer),
      data: { transmission_id: unique('timing'), client_id: 'timing-device', records },
    });
    expect(push.status(), await push.text()).toBe(200);
  }

  await signIn(page);
  const timings: Record<string, number> = {};
  for (const { path: pagePath, heading } of PAGES) {
    // Twice: the first visit compiles nothing (production build) but warms the server's caches.
    for (let visit = 0; visit < 2; visit++) {
      const started = Date.now();
      await page.goto(pagePath);
      await expect(page.getByRole('heading', { level: 1, name: heading, exact: true })).toBeVisible();
      await expect(page.locator('.spinner')).toHaveCount(0, { timeout: 30_000 });
      timings[`${pagePath}${visit === 0 ? ' (cold)' : ''}`] = Date.now() - started;
    }
  }
  for (const ms of Object.values(timings)) expect(ms).toBeLessThan(15_000);
  const out = path.resolve(__dirname, '..', '..', 'test-results', `timings-${process.env.TIMINGS_LABEL ?? 'run'}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(timings, null, 2));
  console.log(JSON.stringify(timings));
});
