import { join } from 'node:path';

/**
 * The directory of Herald's .proto files (`herald/v1/*.proto`), the include root for loading
 * them: `libs/contracts/proto` beside the sources, `dist/libs/contracts/proto` in a build (the
 * build copies them there).
 */
export const PROTO_DIR = join(__dirname, '..', 'proto');

/** Each gRPC service: its .proto file (relative to PROTO_DIR) and its full name. */
export const GrpcServices = {
  ingest: { protoFile: 'herald/v1/ingest.proto', name: 'herald.v1.IngestService' },
  subscriptions: { protoFile: 'herald/v1/subscriptions.proto', name: 'herald.v1.SubscriptionsService' },
} as const;
export type GrpcServiceSpec = (typeof GrpcServices)[keyof typeof GrpcServices];

/** The trailing metadata key of a failed call's problem details (the REST problem+json body, as JSON). */
export const GRPC_PROBLEM_METADATA = 'herald-problem';
