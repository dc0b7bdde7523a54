import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import { parse } from 'yaml';
import { buildOpenApiDocument } from '@/server/http/openapi-document';
import { GET as documentRoute } from '@/app/openapi/synkronus.json/route';
import { GET as swaggerPage } from '@/app/openapi/swagger/route';
import { ContractValidator } from '../support/openapi-contract';
import { typescriptAxiosNames } from '../support/client-names';

type Json = Record<string, any>;

/** Upstream's document as the Go server's repository publishes it (shared/reference/synkronus.openapi.yaml). */
const UPSTREAM_PATH = new URL('../fixtures/upstream-synkronus.openapi.yaml', import.meta.url);
const upstream: Json = parse(fs.readFileSync(UPSTREAM_PATH, 'utf8'));
const ours: Json = buildOpenApiDocument('https://sync.example.org');
const METHODS = ['get', 'put', 'post', 'delete', 'head', 'patch'];

const operationsOf = (document: Json) =>
  Object.entries<Json>(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({
      key: `${method.toUpperCase()} ${path}`,
      operation: item[method] as Json,
    })),
  );

const resolve = (document: Json, schema: Json | undefined): Json | undefined => {
  if (!schema?.$ref) return schema;
  return resolve(
    document,
    schema.$ref
      .slice(2)
      .split('/')
      .reduce((node: Json, key: string) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')], document),
  );
};

/** `anyOf: [X, {type: null}]` (OpenAPI 3.1) is upstream's `nullable: true` X. */
const nonNull = (document: Json, schema: Json | undefined): Json | undefined => {
  const resolved = resolve(document, schema);
  const branches = resolved?.anyOf?.filter((branch: Json) => branch.type !== 'null');
  return branches?.length === 1 ? nonNull(document, branches[0]) : resolved;
};

const typeOf = (schema: Json | undefined) =>
  Array.isArray(schema?.type) ? schema!.type.filter((t: string) => t !== 'null')[0] : schema?.type;

/** Upstream's required fields, enums, formats and types must hold in ours (ours may require more). */
function compareSchemas(
  upstreamSchema: Json | undefined,
  ourSchema: Json | undefined,
  where: string,
  problems: string[],
  depth = 0,
): void {
  const theirs = nonNull(upstream, upstreamSchema);
  const mine = nonNull(ours, ourSchema);
  if (!theirs || depth > 6) return;
  if (!mine) return void problems.push(`${where}: missing`);
  if (theirs.type && typeOf(theirs) !== typeOf(mine))
    problems.push(`${where}: type ${typeOf(mine)} instead of ${typeOf(theirs)}`);
  if (theirs.format && theirs.format !== mine.format)
    problems.push(`${where}: format ${mine.format} instead of ${theirs.format}`);
  if (theirs.enum && JSON.stringify(theirs.enum) !== JSON.stringify(mine.enum))
    problems.push(`${where}: enum ${mine.enum} instead of ${theirs.enum}`);
  for (const field of theirs.required ?? [])
    if (!(mine.required ?? []).includes(field)) problems.push(`${where}: ${field} not required`);
  for (const [name, property] of Object.entries<Json>(theirs.properties ?? {})) {
    compareSchemas(property, mine.properties?.[name], `${where}.${name}`, problems, depth + 1);
  }
  if (theirs.items) compareSchemas(theirs.items, mine.items, `${where}[]`, problems, depth + 1);
}

const parametersOf = (document: Json, operation: Json) =>
  (operation.parameters ?? []).map((parameter: Json) => resolve(document, parameter)!);

describe('the served OpenAPI document', () => {
  it('is valid OpenAPI 3.1 (swagger-parser)', async () => {
    expect(ours.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(ours) as never)).resolves.toBeTruthy();
  });

  it("keeps every upstream operation at its path and method, with upstream's operationId and tags", () => {
    const mine = new Map(operationsOf(ours).map(({ key, operation }) => [key, operation]));
    const upstreamOperations = operationsOf(upstream);
    expect(upstreamOperations).toHaveLength(28);
    for (const { key, operation } of upstreamOperations) {
      expect(mine.get(key)?.operationId, key).toBe(operation.operationId);
      expect(mine.get(key)?.tags ?? [], key).toEqual(operation.tags ?? []);
    }
  });

  it('gives our additions their own operationIds', () => {
    const upstreamIds = new Set(operationsOf(upstream).map(({ operation }) => operation.operationId));
    const added = operationsOf(ours).filter(({ operation }) => !upstreamIds.has(operation.operationId));
    expect(added.map(({ key, operation }) => `${key} ${operation.operationId}`).sort()).toEqual([
      'DELETE /api/users/delete/{username} deleteUserAtDeletePath',
      'GET /api/audit listAuditEvents',
      'GET /api/conflicts listConflicts',
      'GET /api/observations/{observation_id}/history getObservationHistory',
      'POST /api/conflicts/{id}/resolve resolveConflict',
      'POST /api/observations/{observation_id}/restore restoreObservationVersion',
      'POST /api/users createUserAtCollection',
    ]);
    const ids = operationsOf(ours).map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("keeps upstream's component schemas with their required fields, enums and formats", () => {
    const problems: string[] = [];
    for (const [name, schema] of Object.entries<Json>(upstream.components.schemas)) {
      compareSchemas(schema, ours.components.schemas[name] ?? { missing: true }, name, problems);
      if (!ours.components.schemas[name]) problems.push(`${name}: no such component`);
    }
    expect(problems).toEqual([]);
  });

  it("keeps upstream's request bodies, success bodies and header and query parameters per operation", () => {
    const mine = new Map(operationsOf(ours).map(({ key, operation }) => [key, operation]));
    const problems: string[] = [];
    for (const { key, operation } of operationsOf(upstream)) {
      const our = mine.get(key)!;
      const json = (body: Json | undefined) => body?.content?.['application/json']?.schema;
      compareSchemas(json(operation.requestBody), json(resolve(ours, our.requestBody)), `${key} request`, problems);
      compareSchemas(
        json(operation.responses['200']),
        json(our.responses['200'] ?? our.responses['201']),
        `${key} 200`,
        problems,
      );
      const ourParameters = parametersOf(ours, our);
      for (const parameter of parametersOf(upstream, operation)) {
        const match = ourParameters.find(
          (candidate: Json) =>
            candidate.in === parameter.in && candidate.name.toLowerCase() === parameter.name.toLowerCase(),
        );
        if (!match) problems.push(`${key}: no ${parameter.in} parameter ${parameter.name}`);
        else if (!!match.required !== !!parameter.required)
          problems.push(`${key}: ${parameter.name} required=${!!match.required}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('documents the gate on every /api operation: x-ode-version required, 426, 401 in plain text unless public', () => {
    for (const { key, operation } of operationsOf(ours).filter(({ key }) => key.includes(' /api/'))) {
      const version = parametersOf(ours, operation).find((parameter: Json) => parameter.name === 'x-ode-version');
      expect(version?.required, key).toBe(true);
      expect(operation.responses['426'], key).toBeDefined();
      if (operation.security) expect(Object.keys(operation.responses['401'].content), key).toContain('text/plain');
    }
  });

  it('generates a typescript-axios client with the same classes, methods and models as upstream, plus our additions', () => {
    const theirs = typescriptAxiosNames(upstream);
    const mine = typescriptAxiosNames(ours);
    // Upstream's classes, plus one per added area (history, conflicts, audit).
    expect(mine.classes.filter((name) => !theirs.classes.includes(name))).toEqual([
      'AuditApi',
      'ConflictsApi',
      'HistoryApi',
    ]);
    expect(theirs.classes.filter((name) => !mine.classes.includes(name))).toEqual([]);
    expect(theirs.methods).toHaveLength(28);
    expect(theirs.models).toHaveLength(54);
    expect(theirs.methods.filter((name) => !mine.methods.includes(name))).toEqual([]);
    expect(theirs.models.filter((name) => !mine.models.includes(name))).toEqual([]);
    expect(mine.methods.filter((name) => !theirs.methods.includes(name))).toEqual([
      'AuditApi.listAuditEvents',
      'ConflictsApi.listConflicts',
      'ConflictsApi.resolveConflict',
      'DefaultApi.createUserAtCollection',
      'DefaultApi.deleteUserAtDeletePath',
      'HistoryApi.getObservationHistory',
      'HistoryApi.restoreObservationVersion',
    ]);
    expect(mine.models.filter((name) => !theirs.models.includes(name))).toEqual([
      'AppBundleFileChange',
      'AuditEvent',
      'AuditEventList',
      'Conflict',
      'ConflictList',
      'ConflictResolution',
      'ConflictSide',
      'ObservationHistory',
      'ObservationVersion',
      'ResolveConflictRequest',
      'RestoreRequest',
      'RestoreResponse',
      'VersionMismatchResponse',
    ]);
  });

  it('is served at /openapi/synkronus.json for the origin asked, and the Swagger UI page loads it', async () => {
    const response = documentRoute(new Request('http://localhost:8080/openapi/synkronus.json'));
    expect(response.status).toBe(200);
    const served = await response.json();
    expect(served.servers).toEqual([{ url: 'http://localhost:8080' }]);
    expect(served.paths['/api/sync/pull'].post.operationId).toBe('syncPull');
    const page = await swaggerPage().text();
    expect(page).toContain('/openapi/swagger-ui/swagger-init.js');
  });
});

describe('the response check every API test runs', () => {
  const validator = new ContractValidator(ours);
  const url = (path: string) => `https://sync.example.org${path}`;
  const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
  const pull = {
    current_version: 3,
    repository_generation: 1,
    records: [],
    change_cutoff: 0,
    has_more: false,
    sync_format_version: '1.0',
  };

  it('accepts a documented answer', async () => {
    await expect(
      validator.check('POST', url('/api/sync/pull'), json(pull, 200, { 'x-repository-generation': '1' })),
    ).resolves.toBeUndefined();
  });

  it.each([
    [
      'a body missing a required field',
      'POST',
      '/api/sync/pull',
      json({ ...pull, records: undefined }, 200, { 'x-repository-generation': '1' }),
      /records/,
    ],
    ['a missing required header', 'POST', '/api/sync/pull', json(pull), /x-repository-generation is missing/],
    [
      'an undocumented status',
      'POST',
      '/api/sync/pull',
      json({}, 418, { 'x-repository-generation': '1' }),
      /status not documented/,
    ],
    [
      'JSON where plain text is documented',
      'GET',
      '/api/users',
      json({ error: 'x' }, 401),
      /content type "application\/json"/,
    ],
    ['a success of an undocumented operation', 'GET', '/api/nothing-here', json({}), /no operation/],
    [
      'a wrong type inside a component',
      'GET',
      '/api/users',
      json([{ id: 1, username: 'a', role: 'admin', createdAt: 'x', updatedAt: 'y' }]),
      /does not match/,
    ],
  ])('refuses %s', async (_, method, path, response, message) => {
    await expect(validator.check(method as string, url(path as string), response as Response)).rejects.toThrow(
      message as RegExp,
    );
  });
});
