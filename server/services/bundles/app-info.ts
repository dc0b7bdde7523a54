import crypto from 'node:crypto';

/**
 * APP_INFO.json (api-contract §5.5): per form, the fields of its schema and hashes of the schema, the UI schema
 * and the core fields. The hashes follow the Go server's recipes byte for byte (Go's encoding/json output:
 * sorted keys, HTML-escaped), so change logs between versions pushed to either server compare correctly.
 */

export interface FieldInfo {
  name: string;
  type: string;
  required: boolean;
  question_type: string;
  default: unknown;
  core: boolean;
}

export interface FormInfo {
  core_hash: string;
  form_hash: string;
  ui_hash: string;
  fields: FieldInfo[];
  question_types: Record<string, Record<string, never>>;
}

export interface AppInfo {
  /** The version number without padding ("4"). */
  version: string;
  forms?: Record<string, FormInfo>;
}

export interface FormSource {
  schema: Record<string, unknown>;
  ui: Record<string, unknown>;
  uiBytes: Buffer;
}

export type JsonObject = Record<string, unknown>;

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What Go's json.Marshal writes for a decoded JSON value. */
export function goJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${goString(key)}:${goJson(value[key])}`).join(',')}}`;
  }
  if (typeof value === 'string') return goString(value);
  return JSON.stringify(value ?? null);
}

function goString(text: string): string {
  return JSON.stringify(text).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const sha256Hex = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/** The top-level `properties` of a schema, sorted by name. */
export function extractFields(schema: JsonObject): FieldInfo[] {
  const properties = isJsonObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : []);
  return Object.entries(properties)
    .filter((entry): entry is [string, JsonObject] => isJsonObject(entry[1]))
    .map(([name, field]) => ({
      name,
      type: typeof field.type === 'string' ? field.type : '',
      required: required.has(name),
      question_type: typeof field['x-question-type'] === 'string' ? field['x-question-type'] : '',
      default: field.default ?? null,
      core: field['x-core'] === true || name.startsWith('core_'),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Go: hashData(map of core field name → {type, x-question-type?, default?, x-core: true}). */
function coreHash(fields: FieldInfo[]): string {
  const core: JsonObject = {};
  for (const field of fields.filter((f) => f.core)) {
    core[field.name] = {
      type: field.type,
      'x-question-type': field.question_type || undefined,
      default: field.default ?? undefined,
      'x-core': true,
    };
  }
  return sha256Hex(goJson(core));
}

/** Renderers named by `options.format` of UI controls, when the bundle ships them. */
function questionTypes(
  ui: unknown,
  renderers: Set<string>,
  found: FormInfo['question_types'] = {},
): FormInfo['question_types'] {
  if (Array.isArray(ui)) {
    for (const item of ui) questionTypes(item, renderers, found);
  } else if (isJsonObject(ui)) {
    const format = isJsonObject(ui.options) ? ui.options.format : undefined;
    if (ui.type === 'Control' && typeof format === 'string' && renderers.has(format)) found[format] = {};
    for (const value of Object.values(ui)) questionTypes(value, renderers, found);
  }
  return found;
}

export function buildFormInfo(form: FormSource, renderers: Set<string>): FormInfo {
  const fields = extractFields(form.schema);
  return {
    core_hash: coreHash(fields),
    form_hash: sha256Hex(goJson(form.schema)),
    // Go hashed the raw bytes as a []byte value, which its JSON encoder writes as a base64 string.
    ui_hash: sha256Hex(`"${form.uiBytes.toString('base64')}"`),
    fields,
    question_types: questionTypes(form.ui, renderers),
  };
}

export function buildAppInfo(versionNumber: number, forms: Map<string, FormSource>, renderers: Set<string>): AppInfo {
  const info: AppInfo = { version: String(versionNumber) };
  if (forms.size > 0) {
    info.forms = Object.fromEntries(
      [...forms.keys()].sort().map((name) => [name, buildFormInfo(forms.get(name)!, renderers)]),
    );
  }
  return info;
}

export function serializeAppInfo(info: AppInfo): string {
  return JSON.stringify(info, null, 2);
}

/** A stored APP_INFO.json, read leniently (files written by the Go server included); undefined if unusable. */
export function parseAppInfo(text: string): AppInfo | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(parsed)) return undefined;
  const forms: Record<string, FormInfo> = {};
  if (isJsonObject(parsed.forms)) {
    for (const [name, form] of Object.entries(parsed.forms)) {
      if (!isJsonObject(form)) continue;
      forms[name] = {
        core_hash: String(form.core_hash ?? ''),
        form_hash: String(form.form_hash ?? ''),
        ui_hash: String(form.ui_hash ?? ''),
        fields: Array.isArray(form.fields) ? (form.fields.filter(isJsonObject) as unknown as FieldInfo[]) : [],
        question_types: isJsonObject(form.question_types) ? (form.question_types as FormInfo['question_types']) : {},
      };
    }
  }
  return { version: String(parsed.version ?? ''), forms };
}
