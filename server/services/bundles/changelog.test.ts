import { describe, expect, it } from 'vitest';
import { buildAppInfo, type FormSource } from '@/server/services/bundles/app-info';
import { compareVersions, emptyChangeLog, type ComparedFile } from '@/server/services/bundles/changelog';

const source = (properties: Record<string, unknown>, ui: Record<string, unknown> = {}): FormSource => ({
  schema: { type: 'object', properties },
  ui,
  uiBytes: Buffer.from(JSON.stringify(ui)),
});

const file = (path: string, hash: string, size = 1): ComparedFile => ({ path, hash, size });

function version(name: string, forms: Record<string, FormSource>, files: ComparedFile[] = []) {
  return { name, info: buildAppInfo(Number(name), new Map(Object.entries(forms)), new Set()), files };
}

describe('compareVersions', () => {
  it('reports new and removed forms', () => {
    const log = compareVersions(version('0001', { person: source({}) }), version('0002', { household: source({}) }));
    expect(log).toMatchObject({
      compare_version_a: '0001',
      compare_version_b: '0002',
      current_version: '0001',
      target_version: '0002',
      form_changes: true,
      ui_changes: false,
      new_forms: [{ form: 'household' }],
      removed_forms: [{ form: 'person' }],
    });
    expect(log.modified_forms).toBeUndefined();
  });

  it('reports added and removed fields, and a type change as removed plus added', () => {
    const before = source({ name: { type: 'string' }, age: { type: 'integer' }, gone: { type: 'boolean' } });
    const after = source({ name: { type: 'string' }, age: { type: 'string' }, fresh: { type: 'number' } });
    const log = compareVersions(version('0001', { person: before }), version('0002', { person: after }));
    expect(log.modified_forms).toEqual([
      {
        form: 'person',
        schema_changed: true,
        ui_changed: false,
        core_changed: false,
        added_fields: [
          { field: 'age', type: 'string' },
          { field: 'fresh', type: 'number' },
        ],
        removed_fields: [
          { field: 'age', type: 'integer' },
          { field: 'gone', type: 'boolean' },
        ],
      },
    ]);
    expect(log.form_changes).toBe(true);
  });

  it('reports a UI-only change and a core change', () => {
    const log = compareVersions(
      version('0001', {
        a: source({ x: { type: 'string' } }, { type: 'VerticalLayout' }),
        b: source({ core_id: { type: 'string' } }),
      }),
      version('0002', {
        a: source({ x: { type: 'string' } }, { type: 'HorizontalLayout' }),
        b: source({ core_id: { type: 'number' } }),
      }),
    );
    expect(log.ui_changes).toBe(true);
    expect(log.modified_forms).toEqual([
      { form: 'a', schema_changed: false, ui_changed: true, core_changed: false },
      expect.objectContaining({ form: 'b', schema_changed: true, core_changed: true }),
    ]);
  });

  it('lists file-level changes by path, leaving out the generated APP_INFO.json', () => {
    const log = compareVersions(
      version('0001', {}, [
        file('APP_INFO.json', 'i1'),
        file('app/index.html', 'h1'),
        file('app/old.js', 'o1'),
        file('app/same.css', 's'),
      ]),
      version('0003', {}, [
        file('APP_INFO.json', 'i3'),
        file('app/index.html', 'h2', 5),
        file('app/new.js', 'n1'),
        file('app/same.css', 's'),
      ]),
    );
    expect(log.added).toEqual([file('app/new.js', 'n1')]);
    expect(log.removed).toEqual([file('app/old.js', 'o1')]);
    expect(log.modified).toEqual([{ ...file('app/index.html', 'h2', 5), previous_hash: 'h1' }]);
    expect(log.form_changes).toBe(false);
  });

  it('reports nothing between identical versions', () => {
    const forms = { person: source({ name: { type: 'string' } }) };
    const files = [file('app/index.html', 'h')];
    const log = compareVersions(version('0001', forms, files), version('0002', forms, files));
    expect(log).toEqual({ ...emptyChangeLog('0001'), compare_version_b: '0002', target_version: '0002' });
  });
});
