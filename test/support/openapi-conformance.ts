import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';

type Doc = Record<string, any>;

/** The operation in `doc` that serves `method path` (templated segments match any one segment). */
function operationOf(doc: Doc, method: string, path: string): { template: string; op: Doc } | undefined {
  const bare = path.split('?')[0];
  for (const [template, item] of Object.entries<Doc>(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]*')}$`);
    const op = item[method.toLowerCase()];
    if (op && pattern.test(bare)) return { template, op };
  }
  return undefined;
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/**
 * Checks real answers against an OpenAPI document: the status must be one the operation
 * documents, and the JSON body must match that response's schema (ajv, JSON Schema 2020-12,
 * the dialect of OpenAPI 3.1). Returns the problems found (none: the answer is as documented).
 */
export class OpenApiConformance {
  private readonly ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly doc: Doc) {
    this.ajv.addSchema(doc, 'openapi.json');
  }

  problems(method: string, path: string, status: number, body: unknown): string[] {
    const found = operationOf(this.doc, method, path);
    if (!found) return [`${method} ${path}: no documented operation`];
    let response: Doc | undefined = found.op.responses[String(status)];
    let at = `#/${pointer('paths', found.template, method.toLowerCase(), 'responses', String(status))}`;
    if (!response) return [`${method} ${found.template}: status ${status} is not documented (${Object.keys(found.op.responses).join(', ')})`];
    if (response.$ref) {
      at = response.$ref;
      response = this.doc.components.responses[response.$ref.split('/').pop()];
    }
    if (!response?.content?.['application/json']?.schema || body === undefined) return [];
    const ref = `openapi.json${at}/content/application~1json/schema`;
    let validate = this.compiled.get(ref);
    if (!validate) this.compiled.set(ref, (validate = this.ajv.compile({ $ref: ref })));
    return validate(body) ? [] : [`${method} ${found.template} ${status}: ${this.ajv.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 300)}`];
  }
}
