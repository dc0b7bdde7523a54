import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { GET as health, HEAD as healthHead } from '@/app/health/route';

const healthRequest = (method: string) => new Request('http://synkronus.test/health', { method });

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

describe('GET /health', () => {
  it('answers JSON with status, timestamp and version, without token or version header', async () => {
    const response = await health(healthRequest('GET'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = await response.json();
    expect(body.status).toBe('ok');
    expect(body.version).toBe('1.0.0');
    expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false);
  });

  it('answers HEAD with 200 and no body', async () => {
    const response = await healthHead(healthRequest('HEAD'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('answers 503 JSON when the database is unreachable', async () => {
    const saved = process.env.DATABASE_URL;
    const { resetConfig } = await import('@/server/config');
    process.env.DATABASE_URL = 'postgres://nobody:nothing@127.0.0.1:1/none';
    resetConfig();
    try {
      const response = await health(healthRequest('GET'));
      expect(response.status).toBe(503);
      const body = await response.json();
      expect(body.status).toBe('error');
      expect(body.error).toMatch(/database/);
    } finally {
      process.env.DATABASE_URL = saved;
      resetConfig();
    }
  });
});
