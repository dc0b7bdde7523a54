import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resetConfig } from '@/server/config';
import { disconnectDb, getDb } from '@/server/db/client';
import { resetAuthLimiter } from '@/server/auth/limiter';
import { presence } from '@/server/services/presence';
import { UserService } from '@/server/services/users';
import { handleApiRequest } from '@/server/http/api';
import { PEER_ADDRESS_HEADER } from '@/server/http/request-info';
import type { Role } from '@/server/auth/roles';
import { createDatabase, dropDatabase } from './postgres';
import { contractValidator } from './openapi-contract';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
export const ODE_VERSION = '1.3.1';
export const ORIGIN = 'http://synkronus.test';

export interface RequestOptions {
  headers?: Record<string, string>;
  /** JSON-encoded unless it is a string, a Buffer, FormData or a stream. */
  body?: unknown;
  token?: string;
  /** Omit the x-ode-version header. */
  noVersion?: boolean;
  peer?: string;
}

export interface TestApp {
  dataDir: string;
  databaseUrl: string;
  request(method: string, path: string, options?: RequestOptions): Promise<Response>;
  json<T = any>(
    method: string,
    path: string,
    options?: RequestOptions,
  ): Promise<{ status: number; body: T; headers: Headers }>;
  login(username: string, password: string): Promise<string>;
  /** Creates a user with that role (password = username + "-pw") and returns an access token. */
  userToken(role: Role, username?: string): Promise<string>;
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

function encodeBody(body: unknown): { body?: BodyInit; contentType?: string } {
  if (body === undefined) return {};
  if (typeof body === 'string') return { body, contentType: 'application/json' };
  if (body instanceof FormData || body instanceof ReadableStream) return { body: body as BodyInit };
  if (Buffer.isBuffer(body)) return { body: new Uint8Array(body) };
  return { body: JSON.stringify(body), contentType: 'application/json' };
}

/**
 * The REST surface in-process: route handlers called with real Requests, on a real PostgreSQL database (a
 * copy of the migrated template) and a real temp data directory. `env` overrides configuration for this file.
 */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const databaseUrl = await createDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synkronus-test-data-'));
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    SYNKRONUS_BCRYPT_COST: '4',
    ...env,
  });
  resetConfig();
  resetAuthLimiter();
  await new UserService().ensureBootstrapAdmin({ username: 'admin', password: 'admin' });

  const request = async (method: string, urlPath: string, options: RequestOptions = {}) => {
    const headers = new Headers(options.headers);
    if (!options.noVersion && !headers.has('x-ode-version')) headers.set('x-ode-version', ODE_VERSION);
    if (options.token) headers.set('authorization', `Bearer ${options.token}`);
    headers.set(PEER_ADDRESS_HEADER, options.peer ?? '127.0.0.1');
    const { body, contentType } = encodeBody(options.body);
    if (contentType && !headers.has('content-type')) headers.set('content-type', contentType);
    const init: RequestInit & { duplex?: 'half' } = { method, headers, body };
    if (body instanceof ReadableStream) init.duplex = 'half';
    const url = new URL(urlPath, ORIGIN);
    const response = await handleApiRequest(new Request(url, init));
    // Every answer a test receives must be one the served OpenAPI document describes.
    await contractValidator(ORIGIN).check(method, url.href, response);
    return response;
  };

  const json = async (method: string, urlPath: string, options?: RequestOptions) => {
    const response = await request(method, urlPath, options);
    const text = await response.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body, headers: response.headers };
  };

  const login = async (username: string, password: string) => {
    const result = await json('POST', '/api/auth/login', { body: { username, password } });
    if (result.status !== 200)
      throw new Error(`login of ${username} failed: ${result.status} ${JSON.stringify(result.body)}`);
    return result.body.token as string;
  };

  let counter = 0;
  const userToken = async (role: Role, username = `${role}-${++counter}`) => {
    await new UserService().create({ username, password: `${username}-pw`, role });
    return login(username, `${username}-pw`);
  };

  return {
    dataDir,
    databaseUrl,
    request,
    json,
    login,
    userToken,
    adminToken: () => login('admin', 'admin'),
    async close() {
      await presence().drain();
      await disconnectDb();
      await dropDatabase(databaseUrl);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export { getDb };
