import { expect, test } from '@playwright/test';
import {
  CONSOLE_ADMIN,
  alerts,
  captureScreens,
  createUserOverRest,
  openPage,
  restHeaders,
  restToken,
  signIn,
  unique,
} from './support/console';

test('repository reset: typed confirmation, new generation, who and when', async ({ page, request }) => {
  const writer = await restToken(request, await createUserOverRest(request, 'read-write'));
  const now = new Date().toISOString();
  const push = await request.post('/api/sync/push', {
    headers: restHeaders(writer),
    data: {
      transmission_id: unique('t'),
      client_id: 'tablet-reset-test',
      records: [
        {
          observation_id: unique('obs'),
          form_type: 'visit',
          form_version: '1',
          data: {},
          created_at: now,
          updated_at: now,
          deleted: false,
        },
      ],
    },
  });
  expect(push.status()).toBe(200);
  const generationBefore = (await push.json()).repository_generation as number;

  await signIn(page);
  await openPage(page, 'Repository');
  await expect(page.getByTestId('repository-generation')).toHaveText(String(generationBefore));
  const resetButton = page.getByRole('button', { name: 'Reset repository' });
  await expect(resetButton).toBeDisabled();
  await page.getByLabel(/Type RESET_REPOSITORY to confirm/).fill('reset_repository');
  await expect(resetButton).toBeDisabled();
  await captureScreens(page, 'repository');

  await page.getByLabel(/Type RESET_REPOSITORY to confirm/).fill('RESET_REPOSITORY');
  await resetButton.click();
  const generationAfter = generationBefore + 1;
  await expect(page.getByRole('status').filter({ hasText: `The new generation is ${generationAfter}.` })).toBeVisible();
  await expect(page.getByTestId('repository-generation')).toHaveText(String(generationAfter));
  await expect(page.getByText(`by ${CONSOLE_ADMIN.username}`)).toBeVisible();
  expect(await alerts(page).count()).toBe(0);

  // Devices on the old generation are told to reset; the data is gone.
  const stale = await request.post('/api/sync/pull', {
    headers: restHeaders(writer),
    data: { client_id: 'tablet-reset-test', since: { version: 0 }, repository_generation: generationBefore },
  });
  expect(stale.status()).toBe(409);
  await openPage(page, 'Observations');
  await expect(page.getByText('No observations yet')).toBeVisible();
});
