import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as documentRoute } from '@/app/openapi/synkronus.json/route';
import { createTestApp, ODE_VERSION, type TestApp } from '../support/app';

/**
 * Hostile input over every endpoint of the served OpenAPI document, through the real gate: wrong types, huge and
 * empty strings, unicode and NUL, deep nesting, bad numbers, missing and extra fields, wrong content types,
 * truncated multipart, odd paths and query strings. No answer may be a 5xx, and the server must still work after.
 * Fixed seed and case count, so a failure reproduces; every case's request is printed when one fails.
 */

const SEED = 1616;
const CASES = 3000;

interface Operation {
  method: string;
  template: string;
  multipart: boolean;
  bodyFields: string[];
}

let app: TestApp;
let admin: string;
let writer: string;
let operations: Operation[];

beforeAll(async () => {
  app = await createTestApp({ SYNKRONUS_AUTH_IP_ATTEMPTS: '100000', SYNKRONUS_AUTH_LOGIN_ATTEMPTS: '100000' });
  admin = await app.userToken('admin', 'fuzz-admin');
  writer = await app.userToken('read-write', 'fuzz-writer');
  const document = (await documentRoute(new Request('http://synkronus.test/openapi/synkronus.json')).json()) as {
    paths: Record<
      string,
      Record<
        string,
        { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }
      >
    >;
  };
  // The /api operations (the document's paths carry the prefix; /health is not behind the gate).
  operations = Object.entries(document.paths)
    .filter(([template]) => template.startsWith('/api/'))
    .flatMap(([template, methods]) =>
      Object.entries(methods).map(([method, operation]) => {
        const content = operation.requestBody?.content ?? {};
        const schema = content['application/json']?.schema ?? content['multipart/form-data']?.schema;
        return {
          method: method.toUpperCase(),
          template,
          multipart: 'multipart/form-data' in content,
          bodyFields: Object.keys(schema?.properties ?? {}),
        };
      }),
    );
});
afterAll(() => app.close());

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff',
    '💥',
    '\uE000',
    '../../etc/passwd',
    '%',
    '%zz',
    '%ff',
    '%00',
    '..',
    '.',
    '{}',
    'null',
    '-1',
    '1e309',
    'NaN',
    'admin',
    'RESET_REPOSITORY',
  ),
  fc.nat({ max: 70_000 }).map((n) => 'x'.repeat(n)),
);

const badNumber = fc.oneof(
  fc.double(),
  fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 63), 1e308, 0.5),
  fc.bigInt().map((n) => n.toString()),
);

/** Deep nesting stands in as a token that `toJson` expands (JSON.stringify would overflow the stack itself). */
const deep = fc.nat({ max: 20_000 }).map((depth) => `__deep_${depth}__`);
const toJson = (value: unknown): string =>
  (JSON.stringify(value) ?? '').replace(
    /"__deep_(\d+)__"/g,
    (_, depth: string) => '['.repeat(Number(depth)) + ']'.repeat(Number(depth)),
  );

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  hostileString,
  badNumber,
  fc.boolean(),
  fc.constant(null),
  deep,
  fc.jsonValue({ maxDepth: 4 }),
  fc.array(hostileString, { maxLength: 5 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 4 }),
);

const recordLike = fc.record(
  {
    observation_id: anyValue,
    form_type: anyValue,
    form_version: anyValue,
    data: anyValue,
    created_at: fc.oneof(
      anyValue,
      fc.constantFrom('2025-01-01T00:00:00Z', '2025-13-45T99:99:99Z', '0000-00-00T00:00:00+99:99'),
    ),
    deleted: anyValue,
    geolocation: anyValue,
    tags: anyValue,
  },
  { requiredKeys: [] },
);

/** A JSON body shaped like the operation's (some fields, hostile values, extra fields) or not at all. */
function jsonBody(fields: string[]): fc.Arbitrary<string> {
  const known = fields.length > 0 ? fields : ['x'];
  const shaped = fc
    .tuple(
      fc.subarray(known),
      fc.array(anyValue, { minLength: known.length, maxLength: known.length }),
      fc.dictionary(hostileString, anyValue, { maxKeys: 3 }),
      fc.array(recordLike, { maxLength: 4 }),
    )
    .map(([present, values, extra, records]) => {
      const body: Record<string, unknown> = { ...extra };
      present.forEach(
        (field, index) => (body[field] = field === 'records' && index % 2 === 0 ? records : values[index]),
      );
      return toJson(body);
    });
  return fc.oneof(
    shaped,
    anyValue.map(toJson),
    hostileString,
    fc.constantFrom(
      '',
      '{',
      '{"a":',
      '[1,2',
      '{"records":[{"observation_id":"x","data":{"t":"\\ud800"}}]}',
      '{"username":"a\\u0000b","password":"p"}',
    ),
  );
}

const BOUNDARY = 'fuzz-boundary';

/** Multipart bodies: well-formed with hostile part names, truncated, huge part headers, or junk. */
const multipartBody = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('file', 'bundle', 'other', ''),
      hostileString,
      fc.uint8Array({ maxLength: 256 }),
      fc.boolean(),
    )
    .map(([name, filename, data, closed]) =>
      Buffer.concat([
        Buffer.from(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        Buffer.from(data),
        Buffer.from(closed ? `\r\n--${BOUNDARY}--\r\n` : ''),
      ]),
    ),
  fc
    .nat({ max: 300_000 })
    .map((n) =>
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${'h'.repeat(n)}"\r\n\r\nx\r\n--${BOUNDARY}--\r\n`,
      ),
    ),
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
);

const contentType = fc.constantFrom(
  'application/json',
  `multipart/form-data; boundary=${BOUNDARY}`,
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset=latin1',
  '\u00ff/\u00ff',
  '',
);

/** encodeURIComponent, with a lone surrogate sent as the bytes of its (invalid) UTF-8 form. */
const encode = (text: string) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
};

/** Path parameter values, raw in the URL: odd characters, escapes valid and not, traversal, huge. */
const pathParam = fc.oneof(
  fc.string({ maxLength: 20 }).map(encode),
  fc.constantFrom(
    '%',
    '%zz',
    '%ff',
    '%00',
    '%2e%2e',
    '..%2F..%2Fetc',
    'a%2Fb',
    '%E2%82',
    'x'.repeat(5000),
    '0',
    '-1',
    '99999999999999999999',
    '1.0.0',
    'v%00',
    '%C0%AF',
  ),
  hostileString.map(encode),
);

const queryString = fc.oneof(
  fc.constant(''),
  fc
    .array(
      fc.tuple(
        fc.constantFrom('limit', 'schemaType', 'original', 'preview', 'since', 'x'),
        fc.oneof(pathParam, badNumber.map(String)),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => '?' + pairs.map(([key, value]) => `${key}=${value}`).join('&')),
  fc.constantFrom('?', '?&&', '?=', '?%', '?limit=%zz', '?schemaType=%00', '?a=1&a=2&a=3', `?${'q'.repeat(10_000)}=1`),
);

interface FuzzCase {
  operation: number;
  params: string[];
  query: string;
  body: Buffer | string | undefined;
  contentType: string;
  token: 'admin' | 'writer' | 'none' | 'garbage';
  odePath: boolean;
}

const fuzzCase: fc.Arbitrary<FuzzCase> = fc
  .record({
    operation: fc.nat(),
    params: fc.array(pathParam, { minLength: 3, maxLength: 3 }),
    query: queryString,
    json: jsonBody([
      'username',
      'password',
      'role',
      'records',
      'transmission_id',
      'client_id',
      'since',
      'schema_types',
      'confirm',
      'attachment_ids',
      'refreshToken',
      'newPassword',
      'currentPassword',
    ]),
    multipart: multipartBody,
    useMultipart: fc.boolean(),
    noBody: fc.boolean(),
    contentType,
    token: fc.constantFrom('admin', 'admin', 'writer', 'none', 'garbage'),
    odePath: fc.boolean(),
  })
  .map((c) => ({
    operation: c.operation,
    params: c.params,
    query: c.query,
    body: c.noBody ? undefined : c.useMultipart ? c.multipart : c.json,
    contentType: c.contentType,
    token: c.token as FuzzCase['token'],
    odePath: c.odePath,
  }));

function urlOf(operation: Operation, fuzz: FuzzCase): string {
  let index = 0;
  const path = operation.template.replace(/\{\w+\}/g, () => fuzz.params[index++ % fuzz.params.length]);
  // Sometimes an odd path next to the real one: doubled slashes, a trailing dot segment, an unknown tail.
  const odd = fuzz.odePath ? ['', '/', '//x', '/%2e%2e', '/..;/'][fuzz.params[0].length % 5] : '';
  return `${path}${odd}${fuzz.query}`;
}

describe(`fuzz (seed ${SEED}, ${CASES} cases)`, () => {
  it('answers no request with a 5xx, and the server still works afterwards', async () => {
    const cases = fc.sample(fuzzCase, { seed: SEED, numRuns: CASES });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (const fuzz of cases) {
      const operation = operations[fuzz.operation % operations.length];
      const url = urlOf(operation, fuzz);
      const method =
        fuzz.body !== undefined && (operation.method === 'GET' || operation.method === 'HEAD')
          ? 'POST'
          : operation.method;
      const token =
        fuzz.token === 'admin'
          ? admin
          : fuzz.token === 'writer'
            ? writer
            : fuzz.token === 'garbage'
              ? 'x.y.z'
              : undefined;
      const headers: Record<string, string> = fuzz.contentType ? { 'content-type': fuzz.contentType } : {};
      let status: number;
      try {
        const response = await app.request(method, url, { token, headers, body: fuzz.body });
        await response.arrayBuffer().catch(() => undefined);
        status = response.status;
      } catch (err) {
        // A Request the fetch API itself refuses to build (not something a client could send this way).
        if (err instanceof TypeError) continue;
        throw err;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) {
        const shown =
          typeof fuzz.body === 'string' ? fuzz.body.slice(0, 200) : fuzz.body?.subarray(0, 200).toString('latin1');
        failures.push(`${status} ${method} ${url.slice(0, 200)} [${fuzz.contentType}] ${JSON.stringify(shown)}`);
      }
    }
    expect(failures).toEqual([]);
    // Several kinds of answers, so the cases reached past the gate rather than all failing one check.
    expect(statuses.size).toBeGreaterThan(5);

    const pushed = await app.json('POST', '/api/sync/push', {
      token: writer,
      body: {
        transmission_id: 'after-fuzz',
        client_id: 'after-fuzz',
        records: [{ observation_id: 'after-fuzz', form_type: 'f', data: { ok: true } }],
      },
    });
    expect(pushed.status).toBe(200);
    const pulled = await app.json('POST', '/api/sync/pull', {
      token: writer,
      headers: { 'x-ode-version': ODE_VERSION },
      body: { client_id: 'after-fuzz' },
    });
    expect(pulled.status).toBe(200);
    expect(pulled.body.records.map((r: { observation_id: string }) => r.observation_id)).toContain('after-fuzz');
  });
});
