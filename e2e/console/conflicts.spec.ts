import { expect, test, type APIRequestContext } from '@playwright/test';
import type { Page } from '@playwright/test';
import { captureScreens, createUserOverRest, restHeaders, restToken, signIn, unique } from './support/console';

async function openConflicts(page: Page) {
  const nav = page.getByRole('navigation', { name: 'Console' });
  if (!(await nav.isVisible())) await page.getByRole('button', { name: 'Menu' }).click();
  await nav.getByRole('link', { name: /^Conflicts/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Conflicts' })).toBeVisible();
}

/** Two devices that both pulled, then edit the same record offline; B syncs first, then A. */
async function produceConflict(request: APIRequestContext) {
  const alice = await createUserOverRest(request, 'read-write');
  const bob = await createUserOverRest(request, 'read-write');
  const [a, b] = [await restToken(request, alice), await restToken(request, bob)];
  const id = unique('plot');
  const now = new Date().toISOString();
  const record = (data: object) => ({
    observation_id: id,
    form_type: 'plot',
    form_version: '1',
    data,
    created_at: now,
    updated_at: now,
    deleted: false,
  });
  const push = async (token: string, client: string, data: object) => {
    const response = await request.post('/api/sync/push', {
      headers: restHeaders(token),
      data: { transmission_id: unique('t'), client_id: client, records: [record(data)] },
    });
    expect(response.status(), await response.text()).toBe(200);
  };
  const pullAll = async (token: string, client: string) => {
    let since = 0;
    for (;;) {
      const response = await request.post('/api/sync/pull?limit=1000', {
        headers: restHeaders(token),
        data: { client_id: client, since: { version: since } },
      });
      const body = await response.json();
      since = body.change_cutoff;
      if (!body.has_more) return;
    }
  };
  const [clientA, clientB] = [unique('tablet-a'), unique('tablet-b')];
  await push(a, clientA, { crop: 'maize', area: 2 });
  await pullAll(a, clientA);
  await pullAll(b, clientB);
  await push(b, clientB, { crop: 'maize', area: 2, irrigated: true });
  await push(a, clientA, { crop: 'beans', area: 2 });
  return { id, alice, bob, a, clientA };
}

test('conflicts: both sides with a field diff, keep the loser, count badge', async ({ page, request }) => {
  const { id, alice, bob, a, clientA } = await produceConflict(request);
  await signIn(page);
  const badge = page.getByTestId('conflict-badge');
  await expect(badge).toBeVisible();
  const before = Number(await badge.textContent());
  expect(before).toBeGreaterThanOrEqual(1);

  await openConflicts(page);
  const card = page.getByTestId('conflict').filter({ hasText: id });
  await expect(card).toContainText(`by ${alice.username}`);
  await expect(card).toContainText(`by ${bob.username}`);
  await expect(card.getByTestId('diff-summary')).toHaveText('2 fields differ');
  await expect(card.getByRole('row', { name: /data\.crop/ })).toContainText('"maize"');
  await expect(card.getByRole('row', { name: /data\.irrigated/ })).toContainText('absent');
  await captureScreens(page, 'conflicts');

  await card.getByRole('button', { name: 'Keep loser' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Kept the losing version of ${id}` })).toBeVisible();
  await expect(card).toHaveCount(0);
  if (before === 1) await expect(badge).toHaveCount(0);
  else await expect(badge).toHaveText(String(before - 1));

  // Device A, which won on the wire, pulls the kept loser on its next sync.
  const pulled = await request.post('/api/sync/pull?limit=1000', {
    headers: restHeaders(a),
    data: { client_id: clientA, since: { version: 0 } },
  });
  const record = ((await pulled.json()).records as any[]).find((r) => r.observation_id === id);
  expect(record.data).toEqual({ crop: 'maize', area: 2, irrigated: true });

  await page.getByRole('button', { name: 'Resolved' }).click();
  await expect(page.getByTestId('conflict').filter({ hasText: id })).toContainText('kept loser');
});

test('read-only users see conflicts but cannot resolve them', async ({ page, request }) => {
  const { id } = await produceConflict(request);
  await signIn(page, await createUserOverRest(request, 'read-only'));
  await openConflicts(page);
  const card = page.getByTestId('conflict').filter({ hasText: id });
  await expect(card.getByTestId('diff-summary')).toBeVisible();
  await expect(card.getByRole('button', { name: 'Keep winner' })).toHaveCount(0);
});
