import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { expect, test, type Page } from '@playwright/test';
import { readZip } from '../support/zip';
import {
  captureScreens,
  createUserOverRest,
  openPage,
  restHeaders,
  restToken,
  signIn,
  unique,
} from './support/console';

/** Clicks a card's Download button and returns what the browser saved, under the name it was offered. */
async function downloadFrom(
  page: Page,
  title: string,
): Promise<{ name: string; entries: Array<{ name: string; data: Buffer }> }> {
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: `Download ${title}` }).click();
  const download = await downloading;
  const name = download.suggestedFilename();
  await expect(page.getByRole('status').filter({ hasText: `Saved ${name}` })).toBeVisible();
  return { name, entries: await readZip(fs.readFileSync(await download.path())) };
}

/** Columns and rows of a Parquet file, read by DuckDB (a reader independent of the writer). */
async function readParquet(data: Buffer) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-spec-'));
  const file = path.join(dir, 'entry.parquet');
  fs.writeFileSync(file, data);
  const duckdb = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    const columns = (await duckdb.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson();
    const rows = (await duckdb.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson();
    return { columns: columns.map((column) => [column.column_name, column.column_type]), rows };
  } finally {
    duckdb.closeSync();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('data export: a read-only user downloads the Parquet, raw JSON and attachments zips', async ({
  page,
  request,
}) => {
  const admin = await restToken(request);
  const formType = unique('household');
  const ids = { first: unique('obs'), second: unique('obs'), deleted: unique('obs'), visit: unique('obs') };
  const record = (id: string, form: string, createdAt: string, data: object, extra: object = {}) => ({
    observation_id: id,
    form_type: form,
    form_version: '1',
    created_at: createdAt,
    data,
    ...extra,
  });
  const push = await request.post('/api/sync/push', {
    headers: restHeaders(admin),
    data: {
      transmission_id: unique('export-seed'),
      client_id: 'export-spec',
      records: [
        record(ids.second, formType, '2025-02-02T08:00:00Z', { size: 3.5, owner: true, name: 'B', rooms: [1, 2] }),
        record(ids.first, formType, '2025-01-01T08:00:00Z', { size: 2, owner: false, name: 'A' }),
        record(
          ids.deleted,
          formType,
          '2025-01-15T08:00:00Z',
          { size: 9, owner: true, name: 'gone' },
          { deleted: true },
        ),
        record(ids.visit, `${formType}/visit`, '2025-01-05T08:00:00Z', { note: 'checked' }),
      ],
    },
  });
  expect(push.status()).toBe(200);
  const attachmentId = `${crypto.randomUUID()}.bin`;
  const attachment = crypto.randomBytes(3 * 1024 * 1024);
  const upload = await request.put(`/api/attachments/${attachmentId}`, {
    headers: restHeaders(admin),
    multipart: { file: { name: 'upload.bin', mimeType: 'application/octet-stream', buffer: attachment } },
  });
  expect(upload.status()).toBe(200);

  await signIn(page, await createUserOverRest(request, 'read-only'));
  await openPage(page, 'Data export');
  await captureScreens(page, 'export');

  const parquet = await downloadFrom(page, 'Observations (Parquet)');
  expect(parquet.name).toBe('observations_export.zip');
  const names = parquet.entries.map((entry) => entry.name);
  expect(names).toEqual(expect.arrayContaining([`${formType}.parquet`, `${formType}_visit.parquet`]));
  const household = await readParquet(parquet.entries.find((entry) => entry.name === `${formType}.parquet`)!.data);
  expect(household.columns).toEqual([
    ['observation_id', 'VARCHAR'],
    ['form_type', 'VARCHAR'],
    ['form_version', 'VARCHAR'],
    ['created_at', 'VARCHAR'],
    ['updated_at', 'VARCHAR'],
    ['synced_at', 'VARCHAR'],
    ['deleted', 'BOOLEAN'],
    ['version', 'BIGINT'],
    ['geolocation', 'VARCHAR'],
    ['author', 'VARCHAR'],
    ['device_id', 'VARCHAR'],
    ['tags', 'VARCHAR'],
    ['data_name', 'VARCHAR'],
    ['data_owner', 'BOOLEAN'],
    ['data_rooms', 'VARCHAR'],
    ['data_size', 'DOUBLE'],
  ]);
  expect(household.rows.map((row) => [row.observation_id, row.data_size, row.data_owner, row.data_rooms])).toEqual([
    [ids.first, 2, false, null],
    [ids.second, 3.5, true, '[1,2]'],
  ]);

  const rawJson = await downloadFrom(page, 'Observations (raw JSON)');
  expect(rawJson.name).toBe('observations_raw_json.zip');
  const mine = rawJson.entries.filter((entry) => entry.name.startsWith(`${formType}/`));
  expect(mine.map((entry) => entry.name)).toEqual([`${formType}/${ids.first}.json`, `${formType}/${ids.second}.json`]);
  expect(JSON.parse(mine[1].data.toString()).data).toEqual({ size: 3.5, owner: true, name: 'B', rooms: [1, 2] });
  expect(rawJson.entries.map((entry) => entry.name)).toContain(`${formType}_visit/${ids.visit}.json`);

  // Slowed down so that the bytes-received line can be watched growing.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: 1024 * 1024,
    uploadThroughput: -1,
  });
  let finished = false;
  const downloading = downloadFrom(page, 'All attachments').finally(() => (finished = true));
  const progress = page.getByRole('status').filter({ hasText: 'received' });
  const seen = new Set<string>();
  await expect(progress).toBeVisible();
  // Sample the bytes-received line until the download itself has finished.
  while (!finished) {
    seen.add((await progress.textContent({ timeout: 1000 }).catch(() => null)) ?? '');
    await page.waitForTimeout(100);
  }
  const attachments = await downloading;
  expect(seen.size).toBeGreaterThan(2);
  expect(attachments.name).toBe('attachments_export.zip');
  expect(attachments.entries.find((entry) => entry.name === attachmentId)?.data.equals(attachment)).toBe(true);
});
