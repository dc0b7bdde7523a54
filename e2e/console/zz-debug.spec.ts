import { test } from '@playwright/test';
import { createUserOverRest, observationRecord, pushRecords, restToken, signIn } from './support/console';
test('debug', async ({ page, request }) => {
  page.on('pageerror', (e) => console.log('PAGEERROR', e.message, e.stack?.slice(0, 800)));
  page.on('console', (m) => m.type() === 'error' && console.log('CONSOLE', m.text().slice(0, 500)));
  const writer = await restToken(request, await createUserOverRest(request, 'read-write'));
  await pushRecords(request, writer, [observationRecord('dbg-1', 'dbg', { geolocation: { latitude: -6.79, longitude: 39.21 } })]);
  await signIn(page);
  await page.goto('/observations');
  await page.getByRole('button', { name: 'Map' }).click();
  await page.waitForTimeout(3000);
  console.log(await page.locator('.recharts-yAxis').count());
  await page.goto('/');
  await page.waitForTimeout(2000);
  console.log((await page.locator('figure.chart').last().innerHTML()).slice(0, 3000));
});
