import { expect, test } from '@playwright/test';
import {
  captureScreens,
  createUserOverRest,
  observationRecord,
  openPage,
  pushRecords,
  restToken,
  signIn,
  unique,
} from './support/console';

test.describe('observation map', () => {
  test('filtered like the list; a click on a point opens the record; no basemap configured: a plain grid', async ({
    page,
    request,
  }) => {
    const writer = await restToken(request, await createUserOverRest(request, 'read-write'));
    const formType = unique('wells');
    const [dar, arusha, nowhere, gone] = ['dar', 'arusha', 'nowhere', 'gone'].map((name) =>
      unique(`${formType}-${name}`),
    );
    await pushRecords(request, writer, [
      observationRecord(dar, formType, { geolocation: { latitude: -6.79, longitude: 39.21, accuracy: 4 } }),
      observationRecord(arusha, formType, { geolocation: { latitude: -3.37, longitude: 36.68 } }),
      observationRecord(nowhere, formType),
      observationRecord(gone, formType, { deleted: true, geolocation: { latitude: -5.0, longitude: 35.0 } }),
    ]);

    await signIn(page);
    await openPage(page, 'Observations');
    await page.getByRole('button', { name: 'Map' }).click();
    await page.getByLabel('Form type').selectOption({ label: `${formType} (4)` });
    const map = page.getByTestId('observation-map');
    const status = page.getByTestId('map-summary');
    await expect(status).toContainText('2 observations with a location');
    await expect(status).toContainText('No basemap is configured');
    await expect(map.locator('path.map-point')).toHaveCount(2);
    // The deleted one appears with "Show deleted", as in the list.
    await page.getByLabel('Show deleted').check();
    await expect(status).toContainText('3 observations with a location');
    await expect(map.locator('path.map-point')).toHaveCount(3);
    await page.getByLabel('Show deleted').uncheck();
    // No tile images are fetched: the grid is drawn on canvases.
    await expect(map.locator('img.leaflet-tile')).toHaveCount(0);
    expect(await map.locator('canvas.leaflet-tile').count()).toBeGreaterThan(0);
    await captureScreens(page, 'observations-map');

    // Narrowed to one record by its id, then opened from the map.
    await page.getByLabel('Observation id').fill(arusha);
    await expect(status).toContainText('1 observation with a location');
    await map.locator('path.map-point').click();
    await expect(page.getByRole('dialog', { name: `Observation ${arusha}` })).toBeVisible();
  });

  test('clusters thousands of points, and every point is in a cluster or on its own', async ({ page, request }) => {
    const writer = await restToken(request, await createUserOverRest(request, 'read-write'));
    const formType = unique('survey');
    const total = 3000;
    for (let start = 0; start < total; start += 1000) {
      await pushRecords(
        request,
        writer,
        Array.from({ length: 1000 }, (_, i) => {
          const n = start + i;
          return observationRecord(`${formType}-${n}`, formType, {
            geolocation: { latitude: -6 + (n % 50) * 0.05, longitude: 35 + Math.floor(n / 50) * 0.05 },
          });
        }),
      );
    }
    await signIn(page);
    await page.goto('/observations');
    await page.getByRole('button', { name: 'Map' }).click();
    await page.getByLabel('Form type').selectOption({ label: `${formType} (${total.toLocaleString('en')})` });
    const map = page.getByTestId('observation-map');
    await expect(page.getByTestId('map-summary')).toContainText('3,000 observations');
    // Counted once every point is clustered (the map marks it), not while chunks are still going in.
    await expect(map).toHaveAttribute('data-state', 'ready');
    await expect(map.locator('.marker-cluster').first()).toBeVisible();
    const clusterSizes = (await map.locator('.marker-cluster').allTextContents()).map(Number);
    const single = await map.locator('path.map-point').count();
    expect(clusterSizes.length).toBeGreaterThan(0);
    expect(clusterSizes.length + single).toBeLessThan(200);
    expect(clusterSizes.reduce((sum, size) => sum + size, 0) + single).toBe(total);
  });
});
