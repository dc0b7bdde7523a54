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

function household(id: string, data: object) {
  const now = new Date().toISOString();
  return {
    observation_id: id,
    form_type: 'household',
    form_version: '3',
    data,
    created_at: now,
    updated_at: now,
    deleted: false,
  };
}

test('observation history: timeline, field diff between two versions, restore as a new version', async ({
  page,
  request,
}) => {
  const collector = await createUserOverRest(request, 'read-write');
  const writer = await restToken(request, collector);
  const id = unique('hh');
  for (const [n, data] of [
    [1, { head: 'Amina', members: 4 }],
    [2, { head: 'Amina', members: 5, newborn: 'Juma' }],
    [3, { head: 'Amina K.', members: 5, newborn: 'Juma' }],
  ] as const) {
    const push = await request.post('/api/sync/push', {
      headers: restHeaders(writer),
      data: { transmission_id: unique('t'), client_id: `tablet-${n}`, records: [household(id, data)] },
    });
    expect(push.status(), await push.text()).toBe(200);
  }

  await signIn(page);
  await openPage(page, 'Observations');
  await page.getByLabel('Observation id').fill(id);
  await page.getByRole('button', { name: id }).click();
  const dialog = page.getByRole('dialog', { name: `Observation ${id}` });
  const timeline = dialog.getByRole('list', { name: 'Versions, newest first' });
  await expect(timeline.getByRole('listitem')).toHaveCount(3);
  await expect(timeline.getByRole('listitem').first()).toContainText('Current');
  await expect(timeline.getByRole('listitem').first()).toContainText(`by ${collector.username} on tablet-3`);

  // Oldest against current: members, newborn (absent before) and head differ.
  await timeline.getByRole('listitem').last().getByRole('button', { name: 'Compare with current' }).click();
  const diff = dialog.getByRole('table', { name: /Differences between/ });
  await expect(dialog.getByTestId('diff-summary')).toHaveText('3 fields differ');
  await expect(diff.getByRole('row', { name: /data\.members/ })).toContainText('45');
  await expect(diff.getByRole('row', { name: /data\.newborn/ })).toContainText('absent');
  await dialog.getByLabel('Show unchanged fields').check();
  await expect(diff.getByRole('row', { name: /form_type/ })).toBeVisible();
  await dialog.getByLabel('Show unchanged fields').uncheck();

  // Any two versions: the middle one against the newest differs only in the head's name.
  const versions = await timeline
    .getByRole('listitem')
    .evaluateAll((items) => items.map((item) => item.getAttribute('data-testid')!.replace('version-', '')));
  await dialog.getByLabel('From', { exact: true }).selectOption(versions[1]);
  await dialog.getByLabel('To', { exact: true }).selectOption(versions[0]);
  await expect(dialog.getByTestId('diff-summary')).toHaveText('1 field differs');
  await expect(diff.getByRole('row', { name: /data\.head/ })).toContainText('"Amina K."');
  await captureScreens(page, 'observation-history');

  page.once('dialog', (confirm) => void confirm.accept());
  await timeline.getByRole('listitem').last().getByRole('button', { name: 'Restore this version' }).click();
  await expect(
    dialog.getByRole('status').filter({ hasText: `Version ${versions[2]} restored as version` }),
  ).toBeVisible();
  await expect(timeline.getByRole('listitem')).toHaveCount(4);
  await expect(timeline.getByRole('listitem').first()).toContainText('synkronus-console');

  // Devices pull the restored content as the newest version.
  const pulled = await request.post('/api/sync/pull', {
    headers: restHeaders(writer),
    data: { client_id: unique('reader'), since: { version: Number(versions[0]) } },
  });
  const record = ((await pulled.json()).records as any[]).find((r) => r.observation_id === id);
  expect(record.data).toEqual({ head: 'Amina', members: 4 });
});

test('history is read-only for non-admins', async ({ page, request }) => {
  const viewer = await createUserOverRest(request, 'read-only');
  const writer = await restToken(request, await createUserOverRest(request, 'read-write'));
  const id = unique('hh');
  for (const members of [1, 2]) {
    const push = await request.post('/api/sync/push', {
      headers: restHeaders(writer),
      data: { transmission_id: unique('t'), client_id: 'tablet', records: [household(id, { members })] },
    });
    expect(push.status()).toBe(200);
  }
  await signIn(page, viewer);
  await openPage(page, 'Observations');
  await page.getByLabel('Observation id').fill(id);
  await page.getByRole('button', { name: id }).click();
  const dialog = page.getByRole('dialog', { name: `Observation ${id}` });
  await expect(dialog.getByRole('list', { name: 'Versions, newest first' }).getByRole('listitem')).toHaveCount(2);
  await expect(dialog.getByRole('button', { name: 'Compare with current' })).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Restore this version' })).toHaveCount(0);
});
