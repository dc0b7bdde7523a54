import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { buildOpenApiDocument } from '@/server/http/openapi-document';

/**
 * Checks a response against the served OpenAPI document: the operation must exist, the status must be one it
 * documents, the content type one of that status's media types, required headers present and well-formed, and a
 * JSON or text body valid against its schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses). Binary bodies are
 * not read. Answers of paths the document does not know are only allowed as errors (e.g. 404 of a wrong path).
 */

type Json = Record<string, any>;

interface Operation {
  pattern: RegExp;
  literalSegments: number;
  method: string;
  template: string;
  spec: Json;
}

export class ContractValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly operations: Operation[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly document: Json) {
    addFormats(this.ajv);
    this.ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isSafeInteger(value) });
    for (const format of ['double', 'password', 'binary']) this.ajv.addFormat(format, true);
    this.ajv.addSchema(document, 'openapi');
    this.operations = Object.entries<Json>(document.paths)
      .flatMap(([template, item]) =>
        Object.entries<Json>(item).map(([method, spec]) => ({
          method: method.toUpperCase(),
          template,
          spec,
          pattern: new RegExp(
            `^${template.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'path' ? '.+' : '[^/]+'))}/?$`,
          ),
          literalSegments: template.split('/').filter((segment) => segment && !segment.startsWith('{')).length,
        })),
      )
      .sort((a, b) => b.literalSegments - a.literalSegments);
  }

  async check(method: string, url: string, response: Response): Promise<void> {
    if (method === 'OPTIONS') return; // CORS preflights are not API operations
    const pathname = new URL(url).pathname;
    const find = (wanted: string) =>
      this.operations.find((candidate) => candidate.method === wanted && candidate.pattern.test(pathname));
    // HEAD answers as GET does, without the body, where no HEAD operation is declared (RFC 9110 §9.3.2).
    const operation = find(method) ?? (method === 'HEAD' ? find('GET') : undefined);
    const where = `${method} ${pathname} → ${response.status}`;
    if (!operation) {
      if (response.status < 400) throw new Error(`${where}: the OpenAPI document has no operation for it`);
      return;
    }
    const status = String(response.status);
    const documented: Json | undefined = operation.spec.responses?.[status] ?? operation.spec.responses?.default;
    if (!documented) throw new Error(`${where}: status not documented for ${operation.spec.operationId}`);
    const pointer = `#/paths/${escape(operation.template)}/${operation.method.toLowerCase()}/responses/${status}`;
    this.checkHeaders(where, pointer, documented, response.headers);
    await this.checkBody(where, pointer, method, documented, response);
  }

  private checkHeaders(where: string, pointer: string, documented: Json, headers: Headers): void {
    for (const [name, header] of Object.entries<Json>(documented.headers ?? {})) {
      const value = headers.get(name);
      if (value === null) {
        if (header.required) throw new Error(`${where}: required header ${name} is missing`);
        continue;
      }
      const numeric = ['integer', 'number'].includes(header.schema?.type);
      this.validate(
        where,
        `header ${name}`,
        `${pointer}/headers/${escape(name)}/schema`,
        numeric ? Number(value) : value,
      );
    }
  }

  private async checkBody(
    where: string,
    pointer: string,
    method: string,
    documented: Json,
    response: Response,
  ): Promise<void> {
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const content: Json = documented.content ?? {};
    if (method === 'HEAD' || response.status === 304) return;
    if (Object.keys(content).length === 0) {
      const text = await response.clone().text();
      if (text !== '') throw new Error(`${where}: a body (${contentType}) where the document declares none`);
      return;
    }
    const mediaType = content[contentType] ? contentType : content['*/*'] ? '*/*' : undefined;
    if (!mediaType)
      throw new Error(`${where}: content type "${contentType}" is not one of ${Object.keys(content).join(', ')}`);
    const schema: Json = content[mediaType].schema ?? {};
    if (schema.format === 'binary') return;
    const text = await response.clone().text();
    let body: unknown = text;
    if (mediaType === 'application/json') {
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`${where}: body is not JSON: ${text.slice(0, 200)}`);
      }
    }
    this.validate(where, 'body', `${pointer}/content/${escape(mediaType)}/schema`, body);
  }

  private validate(where: string, what: string, pointer: string, value: unknown): void {
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi${pointer}` });
      this.compiled.set(pointer, validate);
    }
    if (!validate(value)) {
      const problems = validate.errors!.map((error) => `${error.instancePath || '/'} ${error.message}`).join('; ');
      throw new Error(
        `${where}: ${what} does not match the document (${problems}): ${JSON.stringify(value).slice(0, 300)}`,
      );
    }
  }
}

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

let shared: ContractValidator | undefined;

/** One validator per test file, over the document the server serves. */
export function contractValidator(origin: string): ContractValidator {
  shared ??= new ContractValidator(buildOpenApiDocument(origin));
  return shared;
}
