import {
  BeforeApplicationShutdown,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Provider,
  SetMetadata,
  Type,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  Metadata,
  sendUnaryData,
  Server,
  ServerCredentials,
  ServerUnaryCall,
  ServiceDefinition,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { GrpcServiceSpec, PROTO_DIR } from '@herald/contracts';
import { ADMIN_ONLY, Authenticator, bearerToken, isReadOnly, Principal } from '../auth.guard';
import { ProblemException } from '../problem';
import { assertSafeJson, MAX_JSON_DEPTH } from '../input-guard';
import { ProblemDetailsFilter } from '../problem.filter';
import { toServiceError } from './grpc-errors';

const RPC_METHOD = 'herald:rpc-method';
const GRPC_SERVER_OPTIONS = Symbol('GRPC_SERVER_OPTIONS');
const GRPC_HANDLERS = Symbol('GRPC_HANDLERS');
/** How long in-flight calls may take to finish at shutdown before they are cancelled. */
const SHUTDOWN_GRACE_MS = 5000;

/** Marks a method as the handler of one RPC of the app's gRPC service (a controller's route, for gRPC). */
export const Rpc = (method: string) => SetMetadata(RPC_METHOD, method);

/** An @Rpc() method: the decoded request and the authenticated caller in, the response object out. */
type RpcHandler = (request: unknown, caller: Principal, metadata: Metadata) => Promise<unknown>;

export interface GrpcServerOptions {
  service: GrpcServiceSpec;
  host: string;
  /** 0 picks a free port; GrpcServer.port tells which. */
  port: number;
  maxReceiveMessageBytes?: number;
}

/**
 * Serves one gRPC service beside an app's HTTP API, from the moment the app starts until it
 * shuts down, with server reflection. The handlers are the @Rpc() methods of the given classes;
 * each call is authenticated like an HTTP request (`authorization: Bearer <token>` metadata,
 * @AdminOnly() refuses app tokens) and its errors become gRPC statuses the way the REST API's
 * become problem+json.
 */
@Injectable()
export class GrpcServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(GrpcServer.name);
  // The REST API's error mapping, so that both transports classify (and log) errors alike.
  private readonly problems = new ProblemDetailsFilter();
  private server?: Server;
  /** The port the server is bound to, once the app has started. */
  port = 0;

  constructor(
    @Inject(GRPC_SERVER_OPTIONS) private readonly options: GrpcServerOptions,
    @Inject(GRPC_HANDLERS) private readonly handlers: object[],
    private readonly authenticator: Authenticator,
    private readonly reflector: Reflector,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { service, host, port, maxReceiveMessageBytes } = this.options;
    const definition = loadSync(service.protoFile, { includeDirs: [PROTO_DIR], keepCase: false, defaults: false, enums: String });
    const server = new Server(maxReceiveMessageBytes ? { 'grpc.max_receive_message_length': maxReceiveMessageBytes } : {});
    server.addService(definition[service.name] as ServiceDefinition, this.implementation(definition[service.name] as ServiceDefinition));
    new ReflectionService(definition).addToServer(server);
    const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    this.server = server;
    this.logger.log(`gRPC ${service.name} listening on ${host}:${this.port}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, SHUTDOWN_GRACE_MS);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** One function per method of the service, or a start-up error naming what is missing. */
  private implementation(definition: ServiceDefinition): UntypedServiceImplementation {
    const implementation: UntypedServiceImplementation = {};
    for (const handlers of this.handlers) {
      const prototype = Object.getPrototypeOf(handlers) as Record<string, unknown>;
      for (const key of Object.getOwnPropertyNames(prototype)) {
        const method = prototype[key];
        if (typeof method !== 'function') continue;
        const rpc = this.reflector.get<string | undefined>(RPC_METHOD, method);
        if (!rpc) continue;
        if (!(rpc in definition) || rpc in implementation)
          throw new Error(`@Rpc('${rpc}') of ${handlers.constructor.name} is unknown or taken`);
        const adminOnly = this.reflector.getAllAndOverride<boolean | undefined>(ADMIN_ONLY, [method, handlers.constructor]) === true;
        const handler = (method as RpcHandler).bind(handlers);
        implementation[rpc] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) =>
          void this.handle(call, callback, handler, adminOnly);
      }
    }
    const missing = Object.keys(definition).filter((rpc) => !(rpc in implementation));
    if (missing.length > 0) throw new Error(`${this.options.service.name} has no handler for ${missing.join(', ')}`);
    return implementation;
  }

  private async handle(call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>, handler: RpcHandler, adminOnly: boolean) {
    try {
      const caller = await this.authenticate(call.metadata, adminOnly);
      // As the REST API's input guard does: no NUL anywhere. A Struct takes three levels per JSON
      // level, so the depth bound here is looser; the payload's own is checked once decoded.
      assertSafeJson(call.request, '', MAX_JSON_DEPTH * 3 + 6);
      callback(null, await handler(call.request, caller, call.metadata));
    } catch (error) {
      const headers = error instanceof ProblemException ? error.headers : {};
      callback(toServiceError(this.problems.toProblem(error), headers));
    }
  }

  private async authenticate(metadata: Metadata, adminOnly: boolean): Promise<Principal> {
    const [authorization] = metadata.get('authorization');
    const principal = await this.authenticator.authenticate(bearerToken(typeof authorization === 'string' ? authorization : undefined));
    if (!principal) throw new ProblemException(HttpStatus.UNAUTHORIZED, 'unauthorized', 'a valid bearer token is required');
    if (principal.kind === 'app' && adminOnly)
      throw new ProblemException(HttpStatus.FORBIDDEN, 'forbidden', 'this method needs the admin token');
    // gRPC methods are not marked as reads or writes: a read-only session uses the REST API.
    if (isReadOnly(principal))
      throw new ProblemException(HttpStatus.FORBIDDEN, 'read_only', 'a read-only session cannot call gRPC methods');
    return principal;
  }
}

/** The providers of an app's gRPC server: add them to the app module. `app.get(GrpcServer).port` is its port. */
export function grpcServer(options: GrpcServerOptions, handlers: Type[]): Provider[] {
  return [
    ...handlers,
    { provide: GRPC_HANDLERS, inject: handlers, useFactory: (...instances: object[]) => instances },
    { provide: GRPC_SERVER_OPTIONS, useValue: options },
    GrpcServer,
  ];
}
