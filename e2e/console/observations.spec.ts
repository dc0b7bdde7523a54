import crypto from 'node:crypto';
import sharp from 'sharp';
import { expect, test } from '@playwright/test';
import {
  captureScreens,
  createUserOverRest,
  openPage,
  restHeaders,
  restToken,
  signIn,
  unique,
} from './support/console';

function record(id: string, formType: string, data: object, deleted = false) {
  const now = new Date().toISOString();
  return {
    observation_id: id,
    form_type: formType,
    form_version: '2',
    data,
    created_at: now,
    updated_at: now,
    deleted,
  };
}

test('observation browser after a REST push: filter, search, deleted, JSON and attachments', async ({
  page,
  request,
}) => {
  const writer = await restToken(request, await createUserOverRest(request, 'read-write'));
  const formType = unique('household');
  const photoId = `${crypto.randomUUID()}.png`;
  const missingId = `${crypto.randomUUID()}.pdf`;
  const ids = Array.from({ length: 3 }, (_, i) => `obs_${Date.now()}_${i}`);
  const push = await request.post('/api/sync/push', {
    headers: restHeaders(writer),
    data: {
      transmission_id: unique('t'),
      client_id: 'tablet-browser-test',
      records: [
        record(ids[0], formType, { head: 'Amina', photo: { id: photoId }, consent: missingId }),
        record(ids[1], formType, { head: 'Baraka' }),
        record(ids[2], formType, { head: 'Chausiku' }, true),
      ],
    },
  });
  expect(push.status(), await push.text()).toBe(200);
  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .png()
    .toBuffer();
  const upload = await request.put(`/api/attachments/${photoId}`, {
    headers: restHeaders(writer),
    multipart: { file: { name: photoId, mimeType: 'application/octet-stream', buffer: png } },
  });
  expect(upload.status()).toBe(200);

  await signIn(page);
  await openPage(page, 'Observations');
  await page.getByLabel('Form type').selectOption({ label: `${formType} (3)` });
  const rows = page.getByRole('row').filter({ hasText: formType });
  await expect(rows).toHaveCount(2);
  await page.getByLabel('Show deleted').check();
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ hasText: ids[2] })).toContainText('Deleted');
  await page.getByLabel('Show deleted').uncheck();

  await page.getByLabel('Observation id').fill(ids[1]);
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText(ids[1]);
  await page.getByLabel('Observation id').fill('no-such-observation');
  await expect(page.getByText('No observation matches')).toBeVisible();
  await page.getByLabel('Observation id').fill('');
  await expect(rows).toHaveCount(2);
  await captureScreens(page, 'observations');

  await page.getByRole('button', { name: ids[0] }).click();
  const dialog = page.getByRole('dialog', { name: `Observation ${ids[0]}` });
  await expect(dialog.getByLabel('Record as JSON')).toContainText('"head": "Amina"');
  const image = dialog.getByRole('img', { name: `Attachment ${photoId}` });
  await expect(image).toBeVisible();
  expect(await image.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(64);
  await expect(dialog.getByRole('figure').filter({ hasText: missingId })).toContainText('Not on the server');
  const download = page.waitForEvent('download');
  await dialog.getByRole('figure').filter({ hasText: photoId }).getByRole('button', { name: 'Download' }).click();
  expect((await download).suggestedFilename()).toBe(photoId);
  await captureScreens(page, 'observation-detail');
});

test('overview charts: observations over time and form types after a REST push', async ({ page }) => {
  await signIn(page);
  await openPage(page, 'Overview');
  await expect(page.getByRole('heading', { name: 'Observations over time' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Form types' })).toBeVisible();
  await captureScreens(page, 'overview-charts');
});
