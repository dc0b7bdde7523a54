import { expect, test, type Page } from '@playwright/test';
import {
  captureScreens,
  createUserOverRest,
  observationRecord,
  openPage,
  pushRecords,
  restHeaders,
  restToken,
  signIn,
  unique,
} from './support/console';

/** A mark on the window that a reload would wipe. */
const markWindow = (page: Page) => page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
const windowStayed = (page: Page) => page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed === true);

test.describe('newest change first', () => {
  test('rows of one push keep their write order, and a later change moves a row to the top', async ({
    page,
    request,
  }) => {
    const writer = await restToken(request, await createUserOverRest(request, 'read-write'));
    const formType = unique('visits');
    const at = new Date().toISOString();
    const ids = ['a', 'b', 'c', 'd'].map((letter) => `${formType}-${letter}`);
    await pushRecords(
      request,
      writer,
      ids.map((id) => observationRecord(id, formType, { at })),
    );

    await signIn(page);
    await openPage(page, 'Observations');
    await page.getByLabel('Form type').selectOption({ label: `${formType} (4)` });
    const firstCells = page.getByRole('row').filter({ hasText: formType }).locator('td:first-child');
    // All four share one timestamp: the version orders them, the last written first.
    await expect(firstCells).toHaveText([ids[3], ids[2], ids[1], ids[0]]);

    await pushRecords(request, writer, [observationRecord(ids[1], formType, { at, data: { revisited: true } })]);
    await page.reload();
    await page.getByLabel('Form type').selectOption({ label: `${formType} (4)` });
    await expect(firstCells).toHaveText([ids[1], ids[3], ids[2], ids[0]]);
  });
});

test.describe('live updates', () => {
  test('the observation list and the overview show new data without a reload', async ({ page, request }) => {
    const writer = await restToken(request, await createUserOverRest(request, 'read-write'));
    const formType = unique('live');
    const first = `${formType}-first`;
    await pushRecords(request, writer, [observationRecord(first, formType)]);

    await signIn(page);
    await openPage(page, 'Observations');
    await page.getByLabel('Observation id').fill(formType);
    const rows = page.getByRole('row').filter({ hasText: formType });
    // The search has applied: the header and one row.
    await expect(page.getByRole('row')).toHaveCount(2);
    await markWindow(page);

    const second = `${formType}-second`;
    await pushRecords(request, writer, [observationRecord(second, formType)]);
    await expect(rows).toHaveCount(2, { timeout: 15_000 });
    await expect(rows.first()).toContainText(second);
    expect(await windowStayed(page)).toBe(true);

    await openPage(page, 'Overview');
    const liveCount = page.getByRole('link', { name: /Observations \(live\)/ }).locator('.stat-value');
    const stats = await request.get('/api/stats/observations', { headers: restHeaders(writer) });
    const before = ((await stats.json()) as { totalCount: number }).totalCount;
    await expect(liveCount).toHaveText(before.toLocaleString('en'));
    await markWindow(page);
    await pushRecords(request, writer, [
      observationRecord(`${formType}-third`, formType),
      observationRecord(`${formType}-fourth`, formType),
    ]);
    await expect(liveCount).toHaveText((before + 2).toLocaleString('en'), { timeout: 15_000 });
    expect(await windowStayed(page)).toBe(true);
  });

  test('polls answer 304 while nothing changes (ETag), and refuse a visitor without a session', async ({
    page,
    request,
    baseURL,
  }) => {
    const anonymous = await request.get('/api/console-changes');
    expect(anonymous.status()).toBe(401);
    await signIn(page);
    const first = await page.request.get('/api/console-changes');
    expect(first.status()).toBe(200);
    const etag = first.headers().etag;
    expect(etag).toMatch(/^"\d+-\d+"$/);
    expect(await first.json()).toMatchObject({
      changeVersion: expect.any(Number),
      repositoryGeneration: expect.any(Number),
    });
    const unchanged = await page.request.get('/api/console-changes', { headers: { 'if-none-match': etag } });
    expect(unchanged.status()).toBe(304);
    expect(await unchanged.body()).toHaveLength(0);
    const writer = await restToken(request, await createUserOverRest(request, 'read-write'));
    await pushRecords(request, writer, [observationRecord(unique('etag'), 'etag-check')]);
    await expect
      .poll(async () =>
        (await page.request.get(`${baseURL}/api/console-changes`, { headers: { 'if-none-match': etag } })).status(),
      )
      .toBe(200);
  });
});

test.describe('overview charts', () => {
  test('axes, gridlines, tooltips and a form-type breakdown, readable in dark mode', async ({ page, request }) => {
    const writer = await restToken(request, await createUserOverRest(request, 'read-write'));
    const formType = unique('c');
    // Enough to be among the largest form types, which get bars of their own.
    await pushRecords(
      request,
      writer,
      Array.from({ length: 40 }, (_, n) => observationRecord(`${formType}-${n}`, formType)),
    );
    await signIn(page);
    const timeline = page.getByRole('img', { name: /^Observations per (day|week)/ });
    await expect(timeline).toBeVisible();
    expect(await timeline.locator('.recharts-xAxis .recharts-cartesian-axis-tick').count()).toBeGreaterThan(0);
    expect(await timeline.locator('.recharts-yAxis .recharts-cartesian-axis-tick').count()).toBeGreaterThan(1);
    expect(await timeline.locator('.recharts-cartesian-grid line').count()).toBeGreaterThan(1);
    await timeline.locator('.chart-bar path').last().hover();
    await expect(timeline.locator('.chart-tooltip')).toContainText(/\d+ observations/);

    const forms = page.getByRole('img', { name: /^Observations per form type/ });
    await expect(forms).toHaveAttribute('aria-label', new RegExp(`${formType} 40 `));
    await expect(forms.getByText(formType, { exact: true })).toBeVisible();
    await forms.locator('.chart-bar path').first().hover();
    await expect(forms.locator('.chart-tooltip')).toContainText(/observations · \d/);

    // Dark: axis text light on the dark card, bars in the theme's brighter blue.
    await page.emulateMedia({ colorScheme: 'dark' });
    const tickFill = await timeline
      .locator('.recharts-cartesian-axis-tick-value')
      .first()
      .evaluate((el) => getComputedStyle(el).fill);
    const [r, g, b] = tickFill.match(/\d+/g)!.map(Number);
    expect(0.2126 * r + 0.7152 * g + 0.0722 * b).toBeGreaterThan(128);
    await captureScreens(page, 'overview-charts');
  });
});

test.describe('phone layout (390 px)', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('the stats leave the charts near the top; the theme selector is labelled; observation rows stay compact', async ({
    page,
    request,
  }) => {
    const writer = await restToken(request, await createUserOverRest(request, 'read-write'));
    const formType = unique('phone');
    await pushRecords(request, writer, [observationRecord(`${formType}-1`, formType)]);
    await signIn(page);
    // All five stats in two short rows: the charts start within the first screen.
    const dataOverview = page.getByRole('heading', { name: 'Data overview' });
    expect((await dataOverview.boundingBox())!.y).toBeLessThan(520);

    await page.getByRole('button', { name: 'Menu' }).click();
    const themeLabel = page.locator('.topbar-user').getByText('Theme', { exact: true });
    await expect(themeLabel).toBeVisible();
    await expect(page.getByLabel('Theme')).toBeVisible();

    await openPage(page, 'Observations');
    await page.getByLabel('Observation id').fill(formType);
    const formCell = page.getByRole('row').filter({ hasText: formType }).locator('td[data-label="Form"]');
    await expect(formCell).toBeVisible();
    // The value sits beside its label, not at the far edge of the screen.
    const valueLeft = await formCell.evaluate((cell) => {
      const range = document.createRange();
      range.selectNodeContents(cell);
      return Math.min(...[...range.getClientRects()].map((rect) => rect.left));
    });
    expect(valueLeft).toBeLessThan(180);
  });
});
