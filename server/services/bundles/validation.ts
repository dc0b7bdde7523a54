import fsp from 'node:fs/promises';
import path from 'node:path';
import {
  extractFields,
  goJson,
  isJsonObject,
  type AppInfo,
  type FieldInfo,
  type FormSource,
} from '@/server/services/bundles/app-info';
import type { ZipEntryInfo } from '@/server/services/bundles/zip';
import { problem } from '@/server/problems';

/**
 * The bundle rules of upstream and of the `synk` CLI (api-contract §5.2, clients.md §3.3), plus the files newer
 * bundles carry (forms/ext.json, per-form ext.json and translation files). The structure is checked on the zip's
 * names before anything is extracted; the JSON content once it is on disk. A refused bundle is a catalogue
 * problem, one code per check (server/problems.ts).
 */

export interface BundleLayout {
  forms: string[];
  renderers: Set<string>;
  /** Every JSON file under forms/, each of which must parse. */
  formJsonFiles: string[];
}

const TOP_LEVEL = new Set(['app', 'forms', 'renderers']);
const FORM_FILES = new Set(['schema.json', 'ui.json', 'ext.json']);
const TRANSLATION_FOLDERS = new Set(['translations', 'i18n', 'locales']);
/** A form's JSON files are parsed in memory; no real form comes near this. */
const MAX_FORM_JSON_BYTES = 16 * 1024 * 1024;

export const BUILT_IN_RENDERERS = new Set([
  'text',
  'number',
  'integer',
  'boolean',
  'date',
  'time',
  'datetime',
  'range',
  'select',
  'combo',
  'radio',
  'checkbox',
  'toggle',
  'group',
  'categorization',
  'category',
  'multiselect',
  'textarea',
  'slider',
  'rating',
  'builtin-text',
  'image',
  'signature',
  'audio',
  'video',
  'file',
  'qrcode',
]);
const RENDERER_KEYS = ['x-renderer', 'rendererType', 'x-question-type'];

export function checkStructure(entries: ZipEntryInfo[]): BundleLayout {
  const files = entries.filter((entry) => !entry.isDirectory).map((entry) => entry.name);
  for (const { name, isDirectory } of entries) {
    const [top] = name.split('/');
    if (!TOP_LEVEL.has(top))
      throw problem('bundle.invalid_structure', { detail: `: unexpected top-level directory '${top}'` });
    if (!isDirectory && !name.includes('/')) {
      throw problem('bundle.invalid_structure', { detail: `: file '${name}' must not sit at the root` });
    }
  }
  if (!files.includes('app/index.html')) throw problem('bundle.missing_index', { detail: '' });

  const layout: BundleLayout = { forms: [], renderers: new Set(), formJsonFiles: [] };
  const formFiles = new Map<string, Set<string>>();
  for (const name of files) {
    const parts = name.split('/');
    if (parts[0] === 'forms') {
      if (!isAllowedFormFile(parts))
        throw problem('bundle.invalid_form', { detail: `: invalid form file path: ${name}` });
      layout.formJsonFiles.push(name);
      if (parts.length >= 3) {
        if (!formFiles.has(parts[1])) formFiles.set(parts[1], new Set());
        formFiles.get(parts[1])!.add(parts.slice(2).join('/'));
      }
    } else if (parts[0] === 'renderers') {
      if (parts.length !== 3 || parts[2] !== 'renderer.jsx') {
        throw problem('bundle.invalid_renderer', {
          detail: `: invalid renderer file path: ${name} (expected renderers/{name}/renderer.jsx)`,
        });
      }
      layout.renderers.add(parts[1]);
    }
  }
  for (const form of [...formFiles.keys()].sort()) {
    const names = formFiles.get(form)!;
    if (!names.has('schema.json') || !names.has('ui.json')) {
      throw problem('bundle.invalid_form', {
        detail: `: form '${form}' is missing required files (schema.json or ui.json)`,
      });
    }
    layout.forms.push(form);
  }
  return layout;
}

/** forms/ext.json, forms/<form>/{schema,ui,ext}.json, forms/<form>/{translations,i18n,locales}/<file>.json */
function isAllowedFormFile(parts: string[]): boolean {
  if (parts.length === 2) return parts[1] === 'ext.json';
  if (parts.length === 3) return FORM_FILES.has(parts[2]);
  return parts.length === 4 && TRANSLATION_FOLDERS.has(parts[2]) && parts[3].endsWith('.json');
}

/** Parses every JSON file under forms/ in the extracted tree; schema.json and ui.json must be objects. */
export async function readForms(root: string, layout: BundleLayout): Promise<Map<string, FormSource>> {
  const parsed = new Map<string, { value: unknown; bytes: Buffer }>();
  for (const name of layout.formJsonFiles) parsed.set(name, await readJson(root, name));
  const forms = new Map<string, FormSource>();
  for (const form of layout.forms) {
    const schema = parsed.get(`forms/${form}/schema.json`)!;
    const ui = parsed.get(`forms/${form}/ui.json`)!;
    if (!isJsonObject(schema.value))
      throw problem('bundle.invalid_form', { detail: `: forms/${form}/schema.json is not a JSON object` });
    if (!isJsonObject(ui.value))
      throw problem('bundle.invalid_form', { detail: `: forms/${form}/ui.json is not a JSON object` });
    forms.set(form, { schema: schema.value, ui: ui.value, uiBytes: ui.bytes });
  }
  return forms;
}

async function readJson(root: string, name: string): Promise<{ value: unknown; bytes: Buffer }> {
  const file = path.join(root, ...name.split('/'));
  if ((await fsp.stat(file)).size > MAX_FORM_JSON_BYTES) {
    throw problem('bundle.invalid_form', { detail: `: ${name} is larger than ${MAX_FORM_JSON_BYTES} bytes` });
  }
  const bytes = await fsp.readFile(file);
  try {
    return { value: JSON.parse(bytes.toString('utf8')), bytes };
  } catch (err) {
    throw problem('bundle.invalid_form', { detail: `: invalid JSON in ${name}: ${(err as Error).message}` });
  }
}

/** Every renderer a form schema names must be bundled or built in. */
export function checkRendererReferences(forms: Map<string, FormSource>, renderers: Set<string>): void {
  for (const [form, { schema }] of forms) {
    const missing = findRendererReference(schema, (name) => !renderers.has(name) && !BUILT_IN_RENDERERS.has(name));
    if (missing) {
      throw problem('bundle.missing_renderer_reference', {
        detail: `: form '${form}' references non-existent renderer '${missing.name}' (${missing.key})`,
      });
    }
  }
}

function findRendererReference(
  value: unknown,
  isMissing: (name: string) => boolean,
): { name: string; key: string } | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findRendererReference(item, isMissing);
      if (found) return found;
    }
  } else if (isJsonObject(value)) {
    for (const key of RENDERER_KEYS) {
      const name = value[key];
      if (typeof name === 'string' && isMissing(name)) return { name, key };
    }
    for (const item of Object.values(value)) {
      const found = findRendererReference(item, isMissing);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * A form the active version already has keeps exactly its core fields (`x-core: true` or a `core_` name):
 * none added, none removed, and each with the same type, question type, default and required flag. Data
 * collected under the old definition must stay valid.
 */
export function checkCoreFields(forms: Map<string, FormSource>, active: AppInfo | undefined): void {
  for (const [form, { schema }] of forms) {
    const activeForm = active?.forms?.[form];
    if (!activeForm) continue;
    const before = coreDefinitions(activeForm.fields);
    const after = coreDefinitions(extractFields(schema));
    const problems = [
      ...[...after.keys()].filter((name) => !before.has(name)).map((name) => `added ${name}`),
      ...[...before.keys()].filter((name) => !after.has(name)).map((name) => `removed ${name}`),
      ...[...after.keys()]
        .filter((name) => before.has(name) && before.get(name) !== after.get(name))
        .map((name) => `changed ${name}`),
    ];
    if (problems.length > 0) {
      throw problem('bundle.core_fields_changed', { detail: `: form '${form}': ${problems.join(', ')}` });
    }
  }
}

function coreDefinitions(fields: FieldInfo[]): Map<string, string> {
  return new Map(
    fields
      .filter((field) => field.core === true)
      .map((field) => [
        field.name,
        goJson({
          type: field.type ?? '',
          question_type: field.question_type ?? '',
          default: field.default ?? null,
          required: field.required === true,
        }),
      ]),
  );
}
