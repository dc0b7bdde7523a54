import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildAppInfo,
  buildFormInfo,
  extractFields,
  goJson,
  parseAppInfo,
  serializeAppInfo,
  type FormSource,
} from '@/server/services/bundles/app-info';

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

function form(
  schema: Record<string, unknown>,
  ui: Record<string, unknown> = { type: 'VerticalLayout', elements: [] },
): FormSource {
  const uiBytes = Buffer.from(JSON.stringify(ui, null, 2));
  return { schema, ui, uiBytes };
}

describe('goJson (Go encoding/json output)', () => {
  it('sorts keys, writes compactly and escapes <, > and & as Go does', () => {
    expect(goJson({ b: 1, a: '<tag>&', c: [true, null, 1.5, { z: 'x', y: [] }] })).toBe(
      '{"a":"\\u003ctag\\u003e\\u0026","b":1,"c":[true,null,1.5,{"y":[],"z":"x"}]}',
    );
  });

  it('escapes the JavaScript line separators as Go does', () => {
    expect(goJson('a\u2028b\u2029')).toBe('"a\\u2028b\\u2029"');
  });
});

describe('extractFields', () => {
  it('reads the top-level properties only, sorted, with required, question type, default and core flags', () => {
    const fields = extractFields({
      type: 'object',
      required: ['name', 'core_id'],
      properties: {
        name: { type: 'string', 'x-question-type': 'text' },
        core_id: { type: 'string' },
        village: { type: 'string', 'x-core': true, default: 'north' },
        age: { type: 'integer', default: 30 },
        nested: { type: 'object', properties: { inner: { type: 'string', 'x-core': true } } },
        broken: 'not an object',
      },
    });
    expect(fields).toEqual([
      { name: 'age', type: 'integer', required: false, question_type: '', default: 30, core: false },
      { name: 'core_id', type: 'string', required: true, question_type: '', default: null, core: true },
      { name: 'name', type: 'string', required: true, question_type: 'text', default: null, core: false },
      { name: 'nested', type: 'object', required: false, question_type: '', default: null, core: false },
      { name: 'village', type: 'string', required: false, question_type: '', default: 'north', core: true },
    ]);
  });

  it('gives no fields for a schema without properties', () => {
    expect(extractFields({ type: 'object' })).toEqual([]);
  });
});

describe('buildFormInfo', () => {
  it('hashes the schema, the UI bytes and the core fields with the Go recipes', () => {
    const schema = {
      type: 'object',
      properties: { core_id: { type: 'string' }, note: { type: 'string', default: 'x' } },
    };
    const source = form(schema);
    const info = buildFormInfo(source, new Set());
    expect(info.form_hash).toBe(
      sha256('{"properties":{"core_id":{"type":"string"},"note":{"default":"x","type":"string"}},"type":"object"}'),
    );
    expect(info.ui_hash).toBe(sha256(`"${source.uiBytes.toString('base64')}"`));
    expect(info.core_hash).toBe(sha256('{"core_id":{"type":"string","x-core":true}}'));
  });

  it('keeps the question type and default of core fields in the core hash, and drops empty ones', () => {
    const info = buildFormInfo(
      form({ properties: { pin: { type: 'string', 'x-core': true, 'x-question-type': 'text', default: 'a' } } }),
      new Set(),
    );
    expect(info.core_hash).toBe(
      sha256('{"pin":{"default":"a","type":"string","x-core":true,"x-question-type":"text"}}'),
    );
  });

  it('collects question types from options.format of controls that name bundled renderers', () => {
    const ui = {
      type: 'VerticalLayout',
      elements: [
        { type: 'Control', scope: '#/properties/a', options: { format: 'gps-picker' } },
        { type: 'Group', elements: [{ type: 'Control', scope: '#/properties/b', options: { format: 'date' } }] },
        { type: 'Control', scope: '#/properties/c', options: { format: 'stars' } },
      ],
    };
    const info = buildFormInfo(form({ properties: {} }, ui), new Set(['gps-picker', 'stars', 'unused']));
    expect(info.question_types).toEqual({ 'gps-picker': {}, stars: {} });
  });
});

describe('buildAppInfo', () => {
  it('omits forms for a bundle without forms and writes the unpadded version', () => {
    expect(JSON.parse(serializeAppInfo(buildAppInfo(4, new Map(), new Set())))).toEqual({ version: '4' });
  });

  it('lists forms by name and round-trips through parseAppInfo', () => {
    const forms = new Map([
      ['zeta', form({ properties: { a: { type: 'string' } } })],
      ['alpha', form({ properties: { core_b: { type: 'number' } } })],
    ]);
    const text = serializeAppInfo(buildAppInfo(12, forms, new Set()));
    expect(Object.keys(JSON.parse(text).forms)).toEqual(['alpha', 'zeta']);
    const parsed = parseAppInfo(text)!;
    expect(parsed.version).toBe('12');
    expect(parsed.forms!.alpha.fields[0]).toMatchObject({ name: 'core_b', type: 'number', core: true });
  });

  it('reads an unusable APP_INFO.json as undefined', () => {
    expect(parseAppInfo('not json')).toBeUndefined();
    expect(parseAppInfo('[1,2]')).toBeUndefined();
  });
});
