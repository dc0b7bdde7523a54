import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRole, ROLES, type Role } from '@/server/auth/roles';
import { buildOpenApiDocument } from '@/server/http/openapi-document';
import { restOperations } from '@/server/http/operations';
import { createTestApp, ORIGIN, type TestApp } from '../support/app';

/**
 * Every operation of the served OpenAPI document × every kind of caller, against the role the operation's code
 * declares. A new endpoint is covered the day it is added: it appears in the document, and must declare a role.
 * Requests carry placeholder parameters and an empty JSON body, so a permitted call ends in a 2xx or a 4xx of
 * its own; only the gate answers 401/403.
 */

type Caller = 'no token' | 'bad token' | Role;
const CALLERS: Caller[] = ['no token', 'bad token', ...ROLES];

interface DocumentedOperation {
  method: string;
  template: string;
}

function documentedOperations(): DocumentedOperation[] {
  const paths = buildOpenApiDocument(ORIGIN).paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths)
    .filter(([documentPath]) => documentPath.startsWith('/api/'))
    .flatMap(([documentPath, operations]) =>
      Object.keys(operations)
        .filter((method) => ['get', 'head', 'post', 'put', 'patch', 'delete'].includes(method))
        .map((method) => ({ method: method.toUpperCase(), template: documentPath.slice('/api'.length) })),
    );
}

function declaredRole({ method, template }: DocumentedOperation): Role | 'public' {
  const operation = restOperations().find((op) => op.method === method && op.template === template);
  if (!operation) throw new Error(`${method} ${template} is documented but no procedure or route declares it`);
  return operation.role ?? 'public';
}

function expectedOutcome(required: Role | 'public', caller: Caller): 'allowed' | 401 | 403 {
  if (required === 'public') return 'allowed';
  if (caller === 'no token' || caller === 'bad token') return 401;
  return hasRole(caller, required) ? 'allowed' : 403;
}

let app: TestApp;
const tokens = new Map<Caller, string | undefined>();

beforeAll(async () => {
  app = await createTestApp();
  tokens.set('no token', undefined);
  tokens.set('bad token', 'not.a.token');
  tokens.set('read-only', await app.userToken('read-only'));
  tokens.set('read-write', await app.userToken('read-write'));
  tokens.set('admin', await app.adminToken());
});
afterAll(() => app.close());

describe('authorization matrix', () => {
  const operations = documentedOperations();

  it('covers every documented operation', () => {
    expect(operations.length).toBeGreaterThan(25);
    for (const operation of operations) expect(() => declaredRole(operation)).not.toThrow();
  });

  it.each(operations.map((op) => [`${op.method} ${op.template}`, op] as const))('%s', async (_, operation) => {
    const required = declaredRole(operation);
    const path = '/api' + operation.template.replace(/\{\w+\}/g, 'matrix-placeholder');
    for (const caller of CALLERS) {
      const token = tokens.get(caller);
      const hasBody = !['GET', 'HEAD', 'DELETE'].includes(operation.method);
      const response = await app.request(operation.method, path, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        body: hasBody ? {} : undefined,
      });
      const text = await response.text();
      const expected = expectedOutcome(required, caller);
      const gateAnswered = (status: number, body: string) => response.status === status && text === body;
      const cell = `${caller} → ${response.status} ${text.slice(0, 80)}`;
      if (expected === 'allowed') {
        expect(gateAnswered(401, 'Unauthorized\n') || gateAnswered(403, 'Forbidden\n'), cell).toBe(false);
        expect(response.status, cell).toBeLessThan(500);
      } else {
        expect(response.status, cell).toBe(expected);
      }
    }
  });
});
