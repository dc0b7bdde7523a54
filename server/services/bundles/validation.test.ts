import { describe, expect, it } from 'vitest';
import { AppError } from '@/server/errors';
import { buildAppInfo, type FormSource } from '@/server/services/bundles/app-info';
import { checkCoreFields, checkRendererReferences, checkStructure } from '@/server/services/bundles/validation';

const entries = (...names: string[]) =>
  names.map((name) => ({ name: name.replace(/\/$/, ''), isDirectory: name.endsWith('/') }));

const formFiles = (name: string) => [`forms/${name}/schema.json`, `forms/${name}/ui.json`];

function expectInvalid(run: () => unknown, message: string | RegExp) {
  expect(run).toThrow(AppError);
  expect(run).toThrow(message);
}

describe('checkStructure', () => {
  it('accepts app/, forms/ and renderers/ with folder entries, and collects forms and renderers', () => {
    const layout = checkStructure(
      entries(
        'app/',
        'app/index.html',
        'app/js/main.js',
        'forms/',
        'forms/person/',
        ...formFiles('person'),
        'renderers/stars/renderer.jsx',
      ),
    );
    expect(layout.forms).toEqual(['person']);
    expect([...layout.renderers]).toEqual(['stars']);
    expect(layout.formJsonFiles).toEqual(formFiles('person'));
  });

  it('accepts a bundle without forms or renderers', () => {
    expect(checkStructure(entries('app/index.html')).forms).toEqual([]);
  });

  it('accepts forms/ext.json, per-form ext.json and translation files', () => {
    const layout = checkStructure(
      entries(
        'app/index.html',
        'forms/ext.json',
        ...formFiles('person'),
        'forms/person/ext.json',
        'forms/person/translations/fr.json',
        'forms/person/i18n/sw.json',
        'forms/person/locales/pt-BR.json',
      ),
    );
    expect(layout.forms).toEqual(['person']);
    expect(layout.formJsonFiles).toHaveLength(7);
  });

  it('accepts app/forms/<type>/schema.json, which some bundles use', () => {
    expect(() => checkStructure(entries('app/index.html', 'app/forms/person/schema.json'))).not.toThrow();
  });

  it.each([
    [[], 'missing app/index.html'],
    [['app/main.js'], 'missing app/index.html'],
    [['app/index.html/'], 'missing app/index.html'],
    [['app/index.html', 'docs/readme.md'], "invalid app bundle structure: unexpected top-level directory 'docs'"],
    [['app/index.html', 'README.md'], "invalid app bundle structure: unexpected top-level directory 'README.md'"],
    [['docs/x', 'app/main.js'], "unexpected top-level directory 'docs'"],
    [['app/index.html', 'forms/person/ui.json'], "invalid form structure: form 'person' is missing required files"],
    [['app/index.html', 'forms/person/schema.json'], "invalid form structure: form 'person' is missing required files"],
    [
      ['app/index.html', ...formFiles('p'), 'forms/p/notes.txt'],
      'invalid form structure: invalid form file path: forms/p/notes.txt',
    ],
    [['app/index.html', 'forms/schema.json'], 'invalid form structure: invalid form file path: forms/schema.json'],
    [
      ['app/index.html', ...formFiles('p'), 'forms/p/translations/fr.txt'],
      'invalid form file path: forms/p/translations/fr.txt',
    ],
    [
      ['app/index.html', 'renderers/stars/renderer.js'],
      'invalid renderer structure: invalid renderer file path: renderers/stars/renderer.js',
    ],
    [['app/index.html', 'renderers/renderer.jsx'], 'invalid renderer structure'],
  ])('rejects %j', (names, message) => {
    expectInvalid(() => checkStructure(entries(...names)), message);
  });

  it('rejects a file where a top-level folder belongs', () => {
    expectInvalid(
      () => checkStructure([{ name: 'app', isDirectory: false }, ...entries('app/index.html')]),
      "file 'app' must not sit at the root",
    );
  });
});

const source = (schema: Record<string, unknown>): FormSource => ({ schema, ui: {}, uiBytes: Buffer.from('{}') });

describe('checkRendererReferences', () => {
  const withRenderer = (key: string, name: string) =>
    new Map([
      [
        'person',
        source({ properties: { a: { type: 'string', [key]: name }, list: { items: [{ nested: { [key]: name } }] } } }),
      ],
    ]);

  it('accepts built-in renderers under every key', () => {
    for (const key of ['x-renderer', 'rendererType', 'x-question-type']) {
      expect(() => checkRendererReferences(withRenderer(key, 'qrcode'), new Set())).not.toThrow();
    }
  });

  it('accepts a renderer the bundle ships', () => {
    expect(() => checkRendererReferences(withRenderer('x-renderer', 'stars'), new Set(['stars']))).not.toThrow();
  });

  it.each(['x-renderer', 'rendererType', 'x-question-type'])(
    'rejects an unknown renderer named by %s, also when nested',
    (key) => {
      const nestedOnly = new Map([
        ['person', source({ properties: { list: { items: [{ deep: { [key]: 'ghost' } }] } } })],
      ]);
      expectInvalid(
        () => checkRendererReferences(nestedOnly, new Set(['stars'])),
        `missing renderer reference: form 'person' references non-existent renderer 'ghost' (${key})`,
      );
    },
  );
});

describe('checkCoreFields (the core field set and definitions never change)', () => {
  const schema = (properties: Record<string, unknown>, required: string[] = []) => ({
    type: 'object',
    properties,
    required,
  });
  const base = schema(
    { core_id: { type: 'string' }, pin: { type: 'integer', 'x-core': true }, note: { type: 'string' } },
    ['core_id'],
  );
  const active = buildAppInfo(1, new Map([['person', source(base)]]), new Set());
  const check =
    (next: Record<string, unknown>, form = 'person') =>
    () =>
      checkCoreFields(new Map([[form, source(next)]]), active);

  it('accepts the same core fields with other fields changed, added or removed', () => {
    expect(
      check(
        schema(
          {
            core_id: { type: 'string', title: 'ID' },
            pin: { type: 'integer', 'x-core': true },
            extra: { type: 'boolean' },
          },
          ['core_id'],
        ),
      ),
    ).not.toThrow();
  });

  it('rejects a changed type, question type, default or required flag of a core field', () => {
    expectInvalid(
      check(schema({ core_id: { type: 'number' }, pin: { type: 'integer', 'x-core': true } }, ['core_id'])),
      "core_* fields cannot be modified: form 'person': changed core_id",
    );
    expectInvalid(
      check(
        schema({ core_id: { type: 'string' }, pin: { type: 'integer', 'x-core': true, 'x-question-type': 'slider' } }, [
          'core_id',
        ]),
      ),
      'changed pin',
    );
    expectInvalid(
      check(
        schema({ core_id: { type: 'string', default: 'x' }, pin: { type: 'integer', 'x-core': true } }, ['core_id']),
      ),
      'changed core_id',
    );
    expectInvalid(
      check(schema({ core_id: { type: 'string' }, pin: { type: 'integer', 'x-core': true } })),
      'changed core_id',
    );
  });

  it('rejects removing a core field, also when no core field is left', () => {
    expectInvalid(check(schema({ core_id: { type: 'string' } }, ['core_id'])), 'removed pin');
    expectInvalid(check(schema({ note: { type: 'string' } })), 'removed core_id, removed pin');
  });

  it('rejects adding a core field by x-core or by the core_ prefix', () => {
    const kept = { core_id: { type: 'string' }, pin: { type: 'integer', 'x-core': true } };
    expectInvalid(check(schema({ ...kept, core_new: { type: 'string' } }, ['core_id'])), 'added core_new');
    expectInvalid(check(schema({ ...kept, flag: { type: 'string', 'x-core': true } }, ['core_id'])), 'added flag');
  });

  it('does not constrain a form the active version lacks, nor any form when nothing is active', () => {
    expect(check(schema({ core_other: { type: 'number' } }), 'household')).not.toThrow();
    expect(() => checkCoreFields(new Map([['person', source(schema({}))]]), undefined)).not.toThrow();
  });
});
