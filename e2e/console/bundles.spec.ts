import crypto from 'node:crypto';
import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { alerts, captureScreens, openPage, signIn, zipOf } from './support/console';

const personV1 = {
  type: 'object',
  properties: { core_id: { type: 'string' }, name: { type: 'string' }, age: { type: 'integer' } },
};
const personV2 = {
  type: 'object',
  properties: { core_id: { type: 'string' }, name: { type: 'string' }, village: { type: 'string' } },
};
const ui = { type: 'VerticalLayout', elements: [] };

function bundleFiles(person: object, extra: Record<string, string | Buffer> = {}) {
  return {
    'app/index.html': '<!doctype html><title>field app</title>',
    'forms/person/schema.json': JSON.stringify(person),
    'forms/person/ui.json': JSON.stringify(ui),
    ...extra,
  };
}

async function chooseZip(page: Page, name: string, zip: Buffer) {
  await page.getByLabel('Bundle zip').setInputFiles({ name, mimeType: 'application/zip', buffer: zip });
}

/** Samples the upload progress bar on every frame from its appearance until it goes away. */
function sampleProgress(page: Page): Promise<number[]> {
  return page.evaluate(
    () =>
      new Promise<number[]>((resolve) => {
        const seen = new Set<number>();
        let appeared = false;
        const tick = () => {
          const bar = document.querySelector('progress');
          if (bar) {
            appeared = true;
            seen.add(bar.value);
          } else if (appeared) {
            return resolve([...seen]);
          }
          requestAnimationFrame(tick);
        };
        tick();
      }),
  );
}

test('bundles: upload with progress, a refused zip, a good zip, activate, changes, manifest', async ({ page }) => {
  await signIn(page);
  await openPage(page, 'App bundles');
  await expect(page.getByText('No app bundle yet')).toBeVisible();

  // A zip without app/index.html: refused, and the checks are listed with the failed one marked.
  await chooseZip(
    page,
    'no-index.zip',
    await zipOf({ 'forms/person/schema.json': '{}', 'forms/person/ui.json': '{}' }),
  );
  await page.getByRole('button', { name: 'Upload' }).click();
  const checks = page.getByRole('list', { name: 'Bundle checks' });
  await expect(checks.getByRole('listitem').filter({ hasText: 'app/index.html is present: failed' })).toContainText(
    'missing app/index.html',
  );
  await expect(
    checks.getByRole('listitem').filter({ hasText: 'Only app/, forms/ and renderers/ at the top level: passed' }),
  ).toBeVisible();
  await expect(
    checks
      .getByRole('listitem')
      .filter({ hasText: 'core_* fields are unchanged from the active version: not checked' }),
  ).toBeVisible();
  await captureScreens(page, 'bundles-validation-error');

  // Not a zip at all.
  await chooseZip(page, 'junk.zip', Buffer.from('this is not a zip'));
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(checks.getByRole('listitem').filter({ hasText: 'A readable, safe zip' })).toContainText('failed');

  // A good bundle, large enough to watch the progress bar on a throttled link; activated after upload.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 1024 * 1024,
  });
  const filler = crypto.randomBytes(3 * 1024 * 1024);
  await chooseZip(page, 'v1.zip', await zipOf(bundleFiles(personV1, { 'app/assets/filler.bin': filler })));
  await expect(page.getByLabel('Activate after upload')).toBeChecked();
  const sampling = sampleProgress(page);
  await page.getByRole('button', { name: 'Upload' }).click();
  const progress = await sampling;
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  expect(
    progress.filter((value) => value > 0 && value < 1).length,
    `progress values seen: ${progress}`,
  ).toBeGreaterThanOrEqual(2);
  await expect(page.getByRole('status').filter({ hasText: /Uploaded and activated version \d+\./ })).toBeVisible();
  const first = page.getByRole('article').first();
  await expect(first.getByText('● Active')).toBeVisible();
  await expect(first).toContainText('1 form');
  const firstVersion = (await first.getByRole('heading').textContent())!.replace('Version ', '');

  // A second version, not activated on upload; activated from its card after a confirmation.
  await chooseZip(
    page,
    'v2.zip',
    await zipOf(
      bundleFiles(personV2, {
        'forms/visit/schema.json': JSON.stringify({ type: 'object', properties: { date: { type: 'string' } } }),
        'forms/visit/ui.json': '{}',
      }),
    ),
  );
  await page.getByLabel('Activate after upload').uncheck();
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: /Uploaded version \d+\. It is not active yet\./ }),
  ).toBeVisible();
  const second = page.getByRole('article').filter({ has: page.getByText('Inactive', { exact: true }) });
  const secondVersion = (await second.getByRole('heading').textContent())!.replace('Version ', '');
  expect(Number(secondVersion)).toBeGreaterThan(Number(firstVersion));
  await second.getByRole('button', { name: 'Activate' }).click();
  const confirm = page.getByRole('dialog', { name: `Activate version ${secondVersion}?` });
  await confirm.getByRole('button', { name: 'Activate' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Version ${secondVersion} is now active.` })).toBeVisible();
  await expect(page.getByRole('article', { name: `Version ${secondVersion}` }).getByText('● Active')).toBeVisible();
  // One outcome banner: the upload's has gone, not left beside the activation's.
  await expect(page.getByRole('status').filter({ hasText: /Uploaded/ })).toHaveCount(0);
  await expect(page.locator('.banner-success')).toHaveCount(1);
  // The card's title stays on one line at 1280 px.
  const title = page.getByRole('article', { name: `Version ${secondVersion}` }).getByRole('heading');
  const lineHeight = await title.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight));
  expect((await title.boundingBox())!.height).toBeLessThan(lineHeight * 1.5);

  // Changes between the two: forms and fields.
  const changes = page.getByRole('region', { name: 'Changes between versions' });
  await changes.getByLabel('From').selectOption(firstVersion);
  await changes.getByLabel('To').selectOption(secondVersion);
  const log = changes.getByTestId('changes');
  await expect(log).toContainText('+ visit added');
  await expect(log.getByRole('listitem').filter({ hasText: /^\+ field village/ })).toBeVisible();
  await expect(log.getByRole('listitem').filter({ hasText: /^− field age/ })).toBeVisible();
  await expect(log).toContainText('forms/visit/schema.json');
  await captureScreens(page, 'bundles');

  // The manifest of the active version, with a per-file download.
  await page.getByRole('button', { name: 'View active manifest' }).click();
  const manifest = page.getByRole('dialog', { name: 'Active manifest' });
  await expect(manifest).toContainText(secondVersion);
  const download = page.waitForEvent('download');
  await manifest.getByRole('button', { name: 'Download forms/person/schema.json' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('schema.json');
  const schemaBytes = fs.readFileSync((await file.path())!);
  expect(JSON.parse(schemaBytes.toString('utf8'))).toEqual(personV2);

  // The file's SHA-256: shortened in the table, shown in full when opened, copied whole.
  const fullHash = crypto.createHash('sha256').update(schemaBytes).digest('hex');
  const row = manifest.getByRole('row').filter({ hasText: 'forms/person/schema.json' });
  await expect(row).toContainText(`${fullHash.slice(0, 12)}…`);
  await expect(row.getByText(fullHash, { exact: true })).toBeHidden();
  await row.getByText(`${fullHash.slice(0, 12)}…`).click();
  await expect(row.getByText(fullHash, { exact: true })).toBeVisible();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await row.getByRole('button', { name: 'Copy SHA-256 of forms/person/schema.json' }).click();
  await expect(row.getByRole('button', { name: 'Copy SHA-256 of forms/person/schema.json' })).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(fullHash);
  await captureScreens(page, 'bundles-manifest');
  expect(await alerts(page).count()).toBe(0);
});
