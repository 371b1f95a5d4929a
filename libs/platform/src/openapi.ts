import { HttpStatus, INestApplication, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { MetadataScanner, ModulesContainer, NestFactory } from '@nestjs/core';
import { CALLER_KEY_PATTERN } from '@herald/contracts';
import {
  DocumentBuilder,
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
  ServerObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { IS_OPTIONAL, IS_URL, ValidationTypes } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { defaultConverters } from 'class-validator-jsonschema/build/defaultConverters';
import { ADMIN_ONLY, PUBLIC_ROUTE } from './auth.guard';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';

/** How the document describes one route, beyond what Nest's decorators already say. */
export interface RouteDoc {
  summary: string;
  /** The success body: a component schema's name or an inline schema; none for a 204. */
  response?: string | SchemaObject;
  /** Media type of the success body (default application/json). */
  contentType?: string;
  /** Error statuses beyond those the route's shape implies (400 input, 401 token, 403 admin-only, 404 ids in the path). */
  errors?: HttpStatus[];
}

/** The docs of one controller's routes, by method name. */
export interface ControllerDoc {
  controller: Type;
  routes: Record<string, RouteDoc>;
}

/** One app's HTTP API as its OpenAPI document describes it. */
export interface ApiDescription {
  title: string;
  description: string;
  /** Descriptions of path parameters, by name. */
  pathParameters?: Record<string, string>;
  /** Named schemas of responses and of shapes the DTOs share (`#/components/schemas/<name>`). */
  schemas: Record<string, SchemaObject>;
  /** The schema of a value a custom class-validator constraint (`@Validate(Constraint)`) accepts. */
  validators?: [Type, SchemaObject | ReferenceObject][];
  /** Every controller's routes; the platform's own (health, metrics) are added. */
  controllers: ControllerDoc[];
}

/** Describes a controller's routes, keyed by method name (a renamed method no longer compiles). */
export function describeRoutes<T>(controller: Type<T>, routes: { [K in keyof T]?: RouteDoc }): ControllerDoc {
  return { controller, routes: routes as Record<string, RouteDoc> };
}

/** `#/components/schemas/<name>`. */
export function schemaRef(name: string): ReferenceObject {
  return { $ref: `${SCHEMA_PREFIX}${name}` };
}

/** The `{data, nextCursor}` page of a list route. */
export function pageOf(item: string): SchemaObject {
  return {
    type: 'object',
    required: ['data', 'nextCursor'],
    properties: {
      data: { type: 'array', items: schemaRef(item) },
      nextCursor: { type: 'string', nullable: true, description: 'pass as `?cursor=` for the next page; null on the last' },
      total: { type: 'integer', description: 'with `?withTotal=true`: how many items the filters match in all' },
    },
  };
}

const SCHEMA_PREFIX = '#/components/schemas/';
const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const BEARER = 'bearer';
const PROBLEM_JSON = 'application/problem+json';

const PLATFORM_SCHEMAS: Record<string, SchemaObject> = {
  Problem: {
    type: 'object',
    description: 'An RFC 9457 problem: every 4xx and 5xx answer.',
    required: ['type', 'title', 'status', 'detail'],
    properties: {
      type: { type: 'string', example: 'urn:herald:problem:validation' },
      title: { type: 'string', example: 'Bad Request' },
      status: { type: 'integer', example: 400 },
      detail: { type: 'string', example: 'url: url must be an http(s) URL' },
      errors: {
        type: 'array',
        description: 'the fields at fault, for bad input',
        items: {
          type: 'object',
          required: ['field', 'message'],
          properties: { field: { type: 'string', example: 'url' }, message: { type: 'string' } },
        },
      },
      errorId: { type: 'string', description: 'for a 500: the id its log line carries' },
    },
  },
  Health: {
    type: 'object',
    description: 'A @nestjs/terminus health check result.',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
      info: { type: 'object', additionalProperties: { type: 'object' } },
      error: { type: 'object', additionalProperties: { type: 'object' } },
      details: { type: 'object', additionalProperties: { type: 'object' } },
    },
  },
};

const PLATFORM_CONTROLLERS: ControllerDoc[] = [
  describeRoutes(HealthController, {
    live: { summary: 'Liveness: the process answers', response: 'Health' },
    ready: {
      summary: 'Readiness: NATS (and PostgreSQL where used) are connected; 503 lists what is down',
      response: 'Health',
      errors: [503],
    },
  }),
  describeRoutes(MetricsController, {
    scrape: { summary: 'Prometheus metrics of this process', response: { type: 'string' }, contentType: 'text/plain' },
  }),
];

const IDEMPOTENCY_KEY: ParameterObject = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'A repeat within 24 h with the same key and token returns the first response (header `Idempotent-Replayed: true`) ' +
    'and does nothing again; the same key with a different request is 422, while the first still runs 409.',
  schema: { type: 'string', pattern: CALLER_KEY_PATTERN.source },
};

/** `AppsController.create` → `apps_create`. */
function operationId(controller: string, method: string): string {
  const name = controller.replace(/Controller$/, '');
  return `${name.charAt(0).toLowerCase()}${name.slice(1)}_${method}`;
}

/**
 * The OpenAPI 3.0 document of an app. Nest's route metadata gives the paths, path parameters
 * and body types; the class-validator decorators of the DTOs are the request schemas (bodies and
 * `@Query()` parameters, with their constraints); `api` adds summaries and response schemas.
 */
export function createOpenApiDocument(app: INestApplication, api: ApiDescription): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(api.title)
    .setDescription(api.description)
    .setOpenAPIVersion('3.0.3')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'the admin token or an app token (`hrld_…`)' }, BEARER)
    .addSecurityRequirements(BEARER)
    .build();
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: operationId });
  const operations = new Map<string, { path: string; operation: OperationObject }>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation?.operationId) operations.set(operation.operationId, { path, operation });
    }
  }

  const dtos = dtoSchemas(new Map(api.validators ?? []));
  const docs = new Map([...PLATFORM_CONTROLLERS, ...api.controllers].map((c) => [c.controller, c.routes]));
  for (const route of controllerRoutes(app)) {
    const found = operations.get(operationId(route.controller.name, route.method));
    if (!found) continue;
    describeOperation(found.operation, found.path, route, docs.get(route.controller)?.[route.method], { dtos, api });
  }
  document.components = {
    ...document.components,
    schemas: referencedSchemas(document, { ...dtos, ...PLATFORM_SCHEMAS, ...api.schemas }),
  };
  return document;
}

/**
 * The document of a module's app built in Nest's preview mode: the module graph is scanned but
 * no provider is instantiated (no database or NATS connection). Preview apps log nothing, which
 * silences Nest's process-wide logger until an app installs its own: call this before creating
 * the app that serves the document.
 */
export async function previewOpenApiDocument(module: Type | object, api: ApiDescription): Promise<OpenAPIObject> {
  const app = await NestFactory.create(module as Type, { preview: true, logger: false, abortOnError: false });
  try {
    return createOpenApiDocument(app, api);
  } finally {
    await app.close();
  }
}

/**
 * Adds the operations of another app's document that `document` lacks (each marked with the
 * server that answers it, an operation-level `servers`) and the schemas they use.
 */
export function includeOperations(document: OpenAPIObject, other: OpenAPIObject, server: ServerObject): OpenAPIObject {
  for (const [path, item] of Object.entries(other.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation || document.paths[path]?.[method]) continue;
      document.paths[path] = { ...document.paths[path], [method]: { ...operation, servers: [server] } };
    }
  }
  const schemas = { ...document.components?.schemas };
  for (const [name, schema] of Object.entries(other.components?.schemas ?? {})) {
    if (schemas[name] && JSON.stringify(schemas[name]) !== JSON.stringify(schema)) {
      throw new Error(`OpenAPI: two different schemas are named ${name}`);
    }
    schemas[name] = schema;
  }
  document.components = { ...document.components, schemas };
  const tags = new Map([...(document.tags ?? []), ...(other.tags ?? [])].map((tag) => [tag.name, tag]));
  document.tags = [...tags.values()];
  return document;
}

/** Serves the document at `/openapi.json` and Swagger UI at `/docs` (assets from swagger-ui-dist, no CDN); neither needs a token. */
export function serveOpenApi(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    raw: ['json'],
    customSiteTitle: document.info.title,
  });
}

interface ControllerRoute {
  controller: Type;
  method: string;
  handler: object;
}

/** Every route handler of the app's controllers. */
function* controllerRoutes(app: INestApplication): Generator<ControllerRoute> {
  const scanner = new MetadataScanner();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type;
      const prototype = controller.prototype as Record<string, object>;
      for (const method of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[method];
        if (Reflect.getMetadata(PATH_METADATA, handler) !== undefined) yield { controller, method, handler };
      }
    }
  }
}

function describeOperation(
  operation: OperationObject,
  path: string,
  route: ControllerRoute,
  doc: RouteDoc | undefined,
  { dtos, api }: { dtos: Record<string, SchemaObject>; api: ApiDescription },
): void {
  const { controller, method, handler } = route;
  const isPublic = Boolean(Reflect.getMetadata(PUBLIC_ROUTE, handler) ?? Reflect.getMetadata(PUBLIC_ROUTE, controller));
  const adminOnly = Boolean(Reflect.getMetadata(ADMIN_ONLY, handler) ?? Reflect.getMetadata(ADMIN_ONLY, controller));
  const isPost = Reflect.getMetadata(METHOD_METADATA, handler) === RequestMethod.POST;
  const { body, query } = dtoParameters(controller, method);

  if (doc) operation.summary = doc.summary;
  if (isPublic) operation.security = [];
  const parameters = [...(operation.parameters ?? [])];
  for (const parameter of parameters) {
    if ('in' in parameter && parameter.in === 'path') parameter.description ??= api.pathParameters?.[parameter.name];
  }
  if (query) parameters.push(...queryParameters(query, dtos));
  if (isPost) parameters.push(IDEMPOTENCY_KEY);
  operation.parameters = parameters;

  const responses: Record<string, ResponseObject | ReferenceObject> = {};
  for (const [status, response] of Object.entries(operation.responses)) {
    if (response && status.startsWith('2')) responses[status] = successResponse(Number(status), doc) ?? response;
  }
  const errors = new Set<number>(doc?.errors ?? []);
  if (body || query || isPost) errors.add(HttpStatus.BAD_REQUEST);
  if (!isPublic) errors.add(HttpStatus.UNAUTHORIZED);
  if (adminOnly) errors.add(HttpStatus.FORBIDDEN);
  if (path.includes('{')) errors.add(HttpStatus.NOT_FOUND);
  for (const status of [...errors].sort((a, b) => a - b)) responses[status] = problemResponse(status);
  operation.responses = responses;
}

function successResponse(status: number, doc: RouteDoc | undefined): ResponseObject | undefined {
  if (status === 204) return { description: 'Done; no body.' };
  if (!doc?.response) return undefined;
  const schema = typeof doc.response === 'string' ? schemaRef(doc.response) : doc.response;
  return { description: STATUS_TEXT[status] ?? 'Success', content: { [doc.contentType ?? 'application/json']: { schema } } };
}

function problemResponse(status: number): ResponseObject {
  return { description: STATUS_TEXT[status] ?? 'Error', content: { [PROBLEM_JSON]: { schema: schemaRef('Problem') } } };
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  400: 'Bad input (the problem names the field)',
  401: 'Missing or invalid token',
  403: 'An app token on an admin-only route',
  404: 'Not found (or outside the app token’s app)',
  409: 'Conflict',
  413: 'Payload too large',
  422: 'Unprocessable (the problem names the field)',
  429: 'Rate limited (see Retry-After)',
  503: 'Unavailable: a dependency is down (retry later)',
};

/** The DTO classes of a handler's `@Body()` and whole-object `@Query()`, from Nest's route metadata. */
function dtoParameters(controller: Type, method: string): { body?: Type; query?: Type } {
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype as object, method) ?? []) as unknown[];
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<string, { index: number; data?: unknown }>;
  const found: { body?: Type; query?: Type } = {};
  for (const [key, arg] of Object.entries(args)) {
    const type = types[arg.index];
    if (arg.data !== undefined || !isDtoClass(type)) continue;
    const kind = Number(key.split(':')[0]);
    if (kind === Number(RouteParamtypes.BODY)) found.body = type;
    if (kind === Number(RouteParamtypes.QUERY)) found.query = type;
  }
  return found;
}

function isDtoClass(type: unknown): type is Type {
  return typeof type === 'function' && ![Object, String, Number, Boolean, Array].includes(type as never);
}

/** A query DTO's properties as `in: query` parameters, with their constraints and defaults. */
function queryParameters(dto: Type, dtos: Record<string, SchemaObject>): ParameterObject[] {
  const schema = dtos[dto.name];
  if (!schema) throw new Error(`OpenAPI: ${dto.name} has no class-validator decorators`);
  const defaults = new dto() as Record<string, unknown>;
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    schema: defaults[name] === undefined ? property : { ...property, default: defaults[name] },
  }));
}

/**
 * The schemas of every class-validator DTO. Custom constraints get the schema `validators` gives
 * them; a `@ValidateIf` that skips null makes the property nullable.
 */
function dtoSchemas(validators: Map<Type, SchemaObject | ReferenceObject>): Record<string, SchemaObject> {
  const customDefault = defaultConverters[ValidationTypes.CUSTOM_VALIDATION];
  const schemas = validationMetadatasToSchemas({
    refPointerPrefix: SCHEMA_PREFIX,
    classTransformerMetadataStorage: defaultMetadataStorage,
    additionalConverters: {
      [ValidationTypes.CUSTOM_VALIDATION]: (meta, options) => {
        const schema = meta.constraintCls && validators.get(meta.constraintCls as Type);
        if (schema) return schema as never;
        return typeof customDefault === 'function' ? customDefault(meta, options) : customDefault;
      },
      [IS_URL]: { type: 'string', format: 'uri' },
      [ValidationTypes.CONDITIONAL_VALIDATION]: (meta) => {
        if (meta.name === IS_OPTIONAL) return {};
        const condition = meta.constraints[0] as (object: object, value: unknown) => boolean;
        return condition({ [meta.propertyName]: null }, null) ? {} : { nullable: true };
      },
    },
  }) as Record<string, SchemaObject>;
  for (const schema of Object.values(schemas)) {
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      schema.properties![name] = withSiblingsOfRef(property);
    }
  }
  return schemas;
}

/** `{$ref, …}` → `{allOf: [{$ref}], …}`: OpenAPI 3.0 ignores whatever sits beside a `$ref` (e.g. `nullable`). */
function withSiblingsOfRef(schema: SchemaObject | ReferenceObject): SchemaObject | ReferenceObject {
  if (!('$ref' in schema)) return schema;
  const { $ref, ...rest } = schema as ReferenceObject & SchemaObject;
  return Object.keys(rest).length === 0 ? { $ref } : { ...rest, allOf: [{ $ref }] };
}

/** The schemas the document's paths reference, directly or through other schemas. */
function referencedSchemas(document: OpenAPIObject, available: Record<string, SchemaObject>): Record<string, SchemaObject> {
  const result: Record<string, SchemaObject> = {};
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(SCHEMA_PREFIX)) {
        const name = child.slice(SCHEMA_PREFIX.length);
        if (result[name]) continue;
        const schema = available[name];
        if (!schema) throw new Error(`OpenAPI: no schema named ${name}`);
        result[name] = schema;
        visit(schema);
      } else {
        visit(child);
      }
    }
  };
  visit(document.paths);
  return Object.fromEntries(Object.entries(result).sort(([a], [b]) => a.localeCompare(b)));
}
