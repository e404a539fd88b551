// Checks every real answer the end-to-end tests receive against the OpenAPI document the host
// serves: the status must be documented for the operation, the content type must be one the
// document gives for that status, and a JSON body must match its schema. So the document cannot
// drift from what is served without a test failing where it drifted.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

interface MediaType {
  schema?: unknown;
}
interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, MediaType> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: Record<string, unknown>;
}

const DOCUMENT_ID = 'openapi.json';

/** `#/components/...` refers to the document, which ajv holds under its own id. */
function pointIntoDocument(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(pointIntoDocument);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${DOCUMENT_ID}${value}` : pointIntoDocument(value),
    ]),
  );
}

export class OpenApiConformance {
  readonly #ajv: Ajv2020;
  readonly #routes: { pattern: RegExp; params: number; methods: Record<string, Operation> }[];
  readonly #validators = new Map<unknown, ValidateFunction>();

  constructor(document: OpenApiDocument) {
    this.#ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    this.#ajv.addSchema({ $id: DOCUMENT_ID, components: pointIntoDocument(document.components ?? {}) });
    // Literal segments win over parameters (fewest parameters first).
    this.#routes = Object.entries(document.paths)
      .map(([path, methods]) => ({
        pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`),
        params: (path.match(/\{/g) ?? []).length,
        methods,
      }))
      .sort((a, b) => a.params - b.params);
  }

  /** The documented operation for a request, if any (an undocumented URL is the host's to answer). */
  operationFor(method: string, url: string): Operation | undefined {
    const path = new URL(url, 'http://host').pathname;
    for (const route of this.#routes) {
      if (!route.pattern.test(path)) continue;
      const operation = route.methods[method.toLowerCase()];
      if (operation) return operation;
    }
    return undefined;
  }

  /** The ways an answer departs from the document; empty when it conforms. */
  problems(method: string, url: string, answer: { status: number; contentType: string | null; body: unknown }): string[] {
    const operation = this.operationFor(method, url);
    if (!operation) return [];
    const response = operation.responses[String(answer.status)];
    const documented = Object.keys(operation.responses).join(', ');
    if (!response) return [`status ${answer.status} is not documented for ${operation.operationId} (documented: ${documented})`];
    const content = response.content;
    if (!content) {
      return answer.body === '' || answer.body === undefined ? [] : [`${operation.operationId} ${answer.status} is documented without a body, yet one came`];
    }
    const mediaType = (answer.contentType ?? '').split(';')[0]!.trim();
    const media = content[mediaType];
    if (!media) return [`${operation.operationId} ${answer.status} answered ${mediaType || 'no content type'}; documented: ${Object.keys(content).join(', ')}`];
    if (!/json/.test(mediaType) || media.schema === undefined) return [];
    const validate = this.#validator(media.schema);
    if (validate(answer.body)) return [];
    const where = `${operation.operationId} ${answer.status} body`;
    return (validate.errors ?? []).map((e) => `${where}${e.instancePath} ${e.message ?? 'is invalid'} ${JSON.stringify(e.params)}`);
  }

  #validator(schema: unknown): ValidateFunction {
    let validate = this.#validators.get(schema);
    if (!validate) {
      validate = this.#ajv.compile(pointIntoDocument(schema) as object);
      this.#validators.set(schema, validate);
    }
    return validate;
  }
}
