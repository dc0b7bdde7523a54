import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { createTestApp, ORIGIN, type TestApp } from '../support/app';
import { bundleForm, bundleZip } from '../support/bundles';
import { POST as trpcRoute } from '@/app/api/trpc/[trpc]/route';
import { describeError, restErrorOf } from '@/components/lib/errors';
import type { AppRouter } from '@/server/routers/_app';

/** The console's view of errors: its own tRPC client against the real /api/trpc route, and its REST reader. */

let app: TestApp;
let admin: string;
beforeAll(async () => {
  app = await createTestApp();
  admin = await app.adminToken();
});
afterAll(() => app.close());

const consoleClient = () =>
  createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${ORIGIN}/api/trpc`,
        headers: { authorization: `Bearer ${admin}` },
        fetch: (url, init) => trpcRoute(new Request(url, init as RequestInit)),
      }),
    ],
  });

async function refusal(call: Promise<unknown>) {
  const err = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(err).toBeDefined();
  return describeError(err);
}

describe('problem codes reach the console', () => {
  it('over tRPC: a duplicate user, an unknown user, a wrong current password', async () => {
    const client = consoleClient();
    await client.users.create.mutate({ username: 'dup', password: 'pw', role: 'read-only' });
    const duplicate = await refusal(client.users.create.mutate({ username: 'dup', password: 'pw', role: 'read-only' }));
    expect(duplicate).toMatchObject({ problem: 'user.exists', message: 'Username already exists' });
    expect((await refusal(client.users.delete.mutate({ username: 'nobody' }))).problem).toBe('user.not_found');
    const wrong = await refusal(client.users.changePassword.mutate({ currentPassword: 'no', newPassword: 'new-pw' }));
    expect(wrong.problem).toBe('user.wrong_current_password');
  });

  it('over tRPC: a rate limit carries its code and its wait', async () => {
    const client = consoleClient();
    await client.users.create.mutate({ username: 'limited', password: 'pw', role: 'read-only' });
    let last: ReturnType<typeof describeError> | undefined;
    for (let attempt = 0; attempt < 12 && last?.problem !== 'auth.rate_limited'; attempt++) {
      last = await refusal(client.auth.login.mutate({ username: 'limited', password: 'wrong' }));
    }
    expect(last?.problem).toBe('auth.rate_limited');
    expect(last?.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('over REST: a refused bundle is named by the check that failed, a missing attachment by its code', async () => {
    const push = await app.request('POST', '/api/app-bundle/push', {
      token: admin,
      body: bundleForm(await bundleZip({ 'app/index.html': null })),
    });
    const bundleError = restErrorOf(push.status, push.headers, await push.text());
    expect(bundleError.problem).toBe('bundle.missing_index');
    expect(describeError(bundleError).problem).toBe('bundle.missing_index');

    const missing = await app.request('GET', '/api/attachments/0123456789abcdef0123456789abcdef.jpg', {
      token: admin,
    });
    expect(missing.status).toBe(404);
    expect(restErrorOf(missing.status, missing.headers, await missing.text()).problem).toBe('attachment.not_found');
  });

  /** Each of these real answers is one of the catalogue's definitions, byte for byte. */
  it('over REST: the answers of the sync, attachment and bundle routes are catalogue problems', async () => {
    const cases: Array<[string, string, Record<string, unknown> | undefined, string]> = [
      ['POST', '/api/sync/push', { transmission_id: 't-1', records: [] }, 'sync.client_id_required'],
      ['POST', '/api/sync/push', { client_id: 'c-1', records: [] }, 'sync.transmission_id_required'],
      ['POST', '/api/sync/push', { transmission_id: 't-2', client_id: 'c-1' }, 'sync.records_required'],
      [
        'POST',
        '/api/sync/push',
        { transmission_id: 't-3', client_id: 'c-1', records: [{ observation_id: 'o-1', form_type: 'x'.repeat(300) }] },
        'sync.invalid_record',
      ],
      ['POST', '/api/admin/repository/reset', { confirm: 'yes' }, 'repository.reset_unconfirmed'],
      [
        'POST',
        '/api/attachments/manifest',
        { client_id: '', since_version: 0 },
        'attachment.manifest_client_id_required',
      ],
      ['POST', '/api/app-bundle/switch/0042', undefined, 'bundle.version_not_found'],
      ['GET', '/api/app-bundle/manifest', undefined, 'bundle.none_active'],
      ['GET', '/api/app-bundle/download/app/nothing.html', undefined, 'bundle.file_not_found'],
    ];
    for (const [method, path, body, code] of cases) {
      const response = await app.request(method, path, { token: admin, body });
      const error = restErrorOf(response.status, response.headers, await response.text());
      expect(error.problem, `${method} ${path} ${JSON.stringify(body)}`).toBe(code);
    }
    const stale = await app.request('POST', '/api/sync/push', {
      token: admin,
      headers: { 'x-repository-generation': '99' },
      body: { transmission_id: 't-4', client_id: 'c-1', records: [] },
    });
    expect(restErrorOf(stale.status, stale.headers, await stale.text()).problem).toBe('repository.reset_required');
  });
});
