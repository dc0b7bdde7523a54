/**
 * The class, method and model names openapi-generator's typescript-axios client takes from an OpenAPI document
 * (openapi-generator itself needs a JVM and a jar download, which these machines cannot fetch). It follows the
 * generator's rules: one `<FirstTag>Api` class per tag (`DefaultApi` for untagged operations), one method per
 * operationId, one model per component schema, plus the models its InlineModelResolver makes of inline object
 * schemas — `<operationId>_request`, `<operationId>_<status>_response`, `<Model>_<property>` and `…_inner` for
 * array items — visited paths first, then components, an identical schema reusing the name already given.
 * Multipart bodies make none (the generator drops them as form parameters).
 */

type Schema = Record<string, any>;
type Document = { paths?: Record<string, Record<string, any>>; components?: { schemas?: Record<string, Schema> } };

export interface ClientNames {
  /** `HealthApi.getHealth`, `DefaultApi.syncPull`, … */
  methods: string[];
  classes: string[];
  models: string[];
}

const OPERATION_ORDER = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const FORM_TYPES = ['multipart/form-data', 'application/x-www-form-urlencoded'];

const pascal = (name: string) =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
const lowerFirst = (name: string) => name[0].toLowerCase() + name.slice(1);

function isObjectType(schema: Schema): boolean {
  return (
    schema.type === 'object' ||
    (Array.isArray(schema.type) && schema.type.includes('object')) ||
    (!schema.type && !!schema.properties)
  );
}

/** The generator's default normalizer (SIMPLIFY_ONEOF_ANYOF): `anyOf: [X, {type: null}]` is a nullable X. */
function withoutNullBranch(schema: Schema | undefined): Schema | undefined {
  const key = schema?.anyOf ? 'anyOf' : schema?.oneOf ? 'oneOf' : undefined;
  if (!schema || !key) return schema;
  const branches = (schema[key] as Schema[]).filter((branch) => branch.type !== 'null');
  if (branches.length !== 1) return schema;
  const { [key]: _, ...rest } = schema;
  return { ...rest, ...branches[0] };
}

function needsModel(schema: Schema | undefined): schema is Schema {
  schema = withoutNullBranch(schema);
  if (!schema || schema.$ref) return false;
  if (schema.allOf || schema.oneOf || schema.anyOf) return true;
  return isObjectType(schema) && !!schema.properties && Object.keys(schema.properties).length > 0;
}

const isArray = (schema: Schema | undefined) =>
  !!schema && (schema.type === 'array' || (Array.isArray(schema.type) && schema.type.includes('array')));

export function typescriptAxiosNames(document: Document): ClientNames {
  const models = new Set<string>(Object.keys(document.components?.schemas ?? {}).map(pascal));
  const generated = new Map<string, string>();

  const addModel = (schema: Schema, baseName: string): void => {
    const key = JSON.stringify(schema);
    if (generated.has(key)) return;
    let name = pascal(baseName);
    for (let i = 1; models.has(name); i++) name = `${pascal(baseName)}${i}`;
    models.add(name);
    generated.set(key, name);
    flattenProperties(name, schema);
  };

  const flattenProperties = (modelName: string, schema: Schema): void => {
    for (const [property, raw] of Object.entries<Schema>(schema.properties ?? {})) {
      const value = withoutNullBranch(raw)!;
      const items: Schema | undefined = isArray(value) ? value.items : undefined;
      if (needsModel(value)) addModel(value, `${modelName}_${property}`);
      else if (needsModel(items)) addModel(items, `${modelName}_${property}_inner`);
    }
  };

  const inline = (raw: Schema | undefined, baseName: string) => {
    const schema = withoutNullBranch(raw);
    const items: Schema | undefined = isArray(schema) ? schema!.items : undefined;
    if (needsModel(schema)) addModel(schema, baseName);
    else if (needsModel(items)) addModel(items, `${baseName}_inner`);
  };

  const classes = new Set<string>();
  const methods: string[] = [];
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const method of OPERATION_ORDER) {
      const operation = pathItem[method];
      if (!operation) continue;
      const className = `${pascal(operation.tags?.[0] ?? 'default')}Api`;
      classes.add(className);
      methods.push(`${className}.${lowerFirst(pascal(operation.operationId))}`);
      const [mediaType, body] = Object.entries<any>(operation.requestBody?.content ?? {})[0] ?? [];
      if (mediaType && !FORM_TYPES.includes(mediaType)) inline(body.schema, `${operation.operationId}_request`);
      for (const [status, response] of Object.entries<any>(operation.responses ?? {})) {
        const [, content] = Object.entries<any>(response.content ?? {})[0] ?? [];
        inline(content?.schema, `${operation.operationId}_${status}_response`);
      }
    }
  }
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {}))
    flattenProperties(pascal(name), schema);

  return { methods: methods.sort(), classes: [...classes].sort(), models: [...models].sort() };
}
