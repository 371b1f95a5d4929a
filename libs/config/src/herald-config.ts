import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MinLength, Min, validateSync } from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : value === true || value === 'true' || value === '1';
const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** The environment variables Herald reads, validated before Nest starts. */
class Environment {
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/herald';

  @IsOptional()
  @Matches(/^(nats|tls|ws|wss):\/\//, { message: 'NATS_URL must be a nats:// URL (comma-separated for several)' })
  NATS_URL = 'nats://127.0.0.1:4222';

  @IsOptional()
  @Matches(/^[a-z0-9_-]{0,32}$/, { message: 'HERALD_NATS_NAMESPACE must be 0-32 of [a-z0-9_-]' })
  HERALD_NATS_NAMESPACE = '';

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'HERALD_ADMIN_TOKEN must be at least 16 characters' })
  HERALD_ADMIN_TOKEN?: string;

  /** 32 random bytes, base64: the AES-256-GCM key that seals secrets at rest. */
  @IsOptional()
  @IsString()
  HERALD_ENCRYPTION_KEY?: string;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  HERALD_ALLOW_PRIVATE_NETWORKS = false;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  HERALD_MAX_PAYLOAD_BYTES = 262144;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 365)
  HERALD_DISABLE_AFTER_HOURS = 120;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(600)
  HERALD_ACK_WAIT_SECONDS = 30;

  /** Comma-separated origins a browser may open the live feed from; empty allows any. */
  @IsOptional()
  @IsString()
  GATEWAY_ALLOWED_ORIGINS = '';

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(600_000)
  GATEWAY_HEARTBEAT_MS = 30_000;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(16 * 1024)
  @Max(256 * 1024 * 1024)
  GATEWAY_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

  /** The address every server of an app listens on (HTTP and gRPC). */
  @IsOptional()
  @IsString()
  HOST = '0.0.0.0';

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  SUBSCRIPTIONS_PORT = 8080;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  INGEST_PORT = 8081;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  GATEWAY_PORT = 8082;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  DISPATCHER_PORT = 8083;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  SUBSCRIPTIONS_GRPC_PORT = 50051;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  INGEST_GRPC_PORT = 50052;

  /** Events per second one app may publish to one ingest replica (0 = unlimited); bursts of twice that pass. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  HERALD_INGEST_RATE_LIMIT = 1000;

  /** The app (id or uid) whose endpoints may subscribe to operational events of every app; unset: none. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,128}$/, { message: 'HERALD_OPERATIONS_APP must be an app id or uid (1-128 of [A-Za-z0-9_.-])' })
  HERALD_OPERATIONS_APP?: string;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'verbose'])
  LOG_LEVEL = 'info';

  /** Unset: readable lines on a terminal, JSON otherwise. */
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: string;

  /** The base URL people reach the management app at (portal links); unset: the request's own host. */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: 'HERALD_PUBLIC_URL must be an http(s) URL without query or fragment' })
  HERALD_PUBLIC_URL?: string;

  /** The console's WebSocket feed URL; unset: ws://<the request's host name>:GATEWAY_PORT/ws. */
  @IsOptional()
  @Matches(/^wss?:\/\/\S+$/, { message: 'HERALD_GATEWAY_PUBLIC_URL must be a ws:// or wss:// URL' })
  HERALD_GATEWAY_PUBLIC_URL?: string;

  /** The CSP `frame-ancestors` sources allowed to frame the console and portal. */
  @IsOptional()
  @Matches(/^[^;,\r\n]+$/, { message: 'HERALD_PORTAL_FRAME_ANCESTORS must be CSP sources separated by spaces' })
  HERALD_PORTAL_FRAME_ANCESTORS = "'self'";
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'verbose';

/** The one typed configuration object every app receives. */
export interface HeraldConfig {
  databaseUrl: string;
  natsUrl: string;
  natsNamespace: string;
  adminToken: string;
  /** Base64 of the 32-byte key secrets are sealed with at rest. */
  encryptionKey: string;
  allowPrivateNetworks: boolean;
  maxPayloadBytes: number;
  /** An endpoint failing for longer than this is disabled with reason "failing". */
  disableAfterHours: number;
  /** How long JetStream waits for an ack before redelivering; workers extend it while busy. */
  ackWaitSeconds: number;
  gateway: {
    /** Origins allowed at the WebSocket upgrade; empty allows any (non-browser clients send none). */
    allowedOrigins: string[];
    /** How often the gateway pings each client; one unanswered ping closes it. */
    heartbeatMs: number;
    /** Unsent bytes past which a client is too slow and is closed with 1013. */
    maxBufferedBytes: number;
  };
  /** The listen address (HOST). */
  host: string;
  ports: { subscriptions: number; ingest: number; gateway: number; dispatcher: number; subscriptionsGrpc: number; ingestGrpc: number };
  /** Events per second per app and ingest replica; 0 turns the limit off. */
  ingestRateLimit: number;
  /** The operations app (id or uid) that receives operational webhooks, or null. */
  operationsApp: string | null;
  logLevel: LogLevel;
  /** LOG_FORMAT; undefined lets the logger choose by whether stdout is a terminal. */
  logFormat?: 'json' | 'pretty';
  console: {
    /** HERALD_PUBLIC_URL without a trailing slash, or null (then the request's host). */
    publicUrl: string | null;
    /** HERALD_GATEWAY_PUBLIC_URL, or null (then ws://<host>:GATEWAY_PORT/ws). */
    gatewayUrl: string | null;
    /** HERALD_PORTAL_FRAME_ANCESTORS: the CSP frame-ancestors sources. */
    frameAncestors: string;
  };
}

/** Thrown with every bad variable listed, so an operator fixes them in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HeraldConfig {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = plainToInstance(Environment, defined);
  const problems = validateSync(parsed, { whitelist: false }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) => `${error.property}: ${message}`),
  );
  if (!parsed.HERALD_ADMIN_TOKEN) problems.push('HERALD_ADMIN_TOKEN: required (npm start generates one for the local stack)');
  if (!parsed.HERALD_ENCRYPTION_KEY) {
    problems.push('HERALD_ENCRYPTION_KEY: required, 32 random bytes in base64 (openssl rand -base64 32; npm start generates one)');
  } else if (Buffer.from(parsed.HERALD_ENCRYPTION_KEY, 'base64').length !== 32) {
    problems.push('HERALD_ENCRYPTION_KEY: must be 32 bytes, base64-encoded (openssl rand -base64 32)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    databaseUrl: parsed.DATABASE_URL,
    natsUrl: parsed.NATS_URL,
    natsNamespace: parsed.HERALD_NATS_NAMESPACE,
    adminToken: parsed.HERALD_ADMIN_TOKEN as string,
    encryptionKey: parsed.HERALD_ENCRYPTION_KEY as string,
    allowPrivateNetworks: parsed.HERALD_ALLOW_PRIVATE_NETWORKS,
    maxPayloadBytes: parsed.HERALD_MAX_PAYLOAD_BYTES,
    disableAfterHours: parsed.HERALD_DISABLE_AFTER_HOURS,
    ackWaitSeconds: parsed.HERALD_ACK_WAIT_SECONDS,
    gateway: {
      allowedOrigins: parsed.GATEWAY_ALLOWED_ORIGINS.split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
      heartbeatMs: parsed.GATEWAY_HEARTBEAT_MS,
      maxBufferedBytes: parsed.GATEWAY_MAX_BUFFERED_BYTES,
    },
    host: parsed.HOST,
    ports: {
      subscriptions: parsed.SUBSCRIPTIONS_PORT,
      ingest: parsed.INGEST_PORT,
      gateway: parsed.GATEWAY_PORT,
      dispatcher: parsed.DISPATCHER_PORT,
      subscriptionsGrpc: parsed.SUBSCRIPTIONS_GRPC_PORT,
      ingestGrpc: parsed.INGEST_GRPC_PORT,
    },
    ingestRateLimit: parsed.HERALD_INGEST_RATE_LIMIT,
    operationsApp: parsed.HERALD_OPERATIONS_APP ?? null,
    logLevel: parsed.LOG_LEVEL as LogLevel,
    logFormat: parsed.LOG_FORMAT as 'json' | 'pretty' | undefined,
    console: {
      publicUrl: parsed.HERALD_PUBLIC_URL ? parsed.HERALD_PUBLIC_URL.replace(/\/+$/, '') : null,
      gatewayUrl: parsed.HERALD_GATEWAY_PUBLIC_URL ?? null,
      frameAncestors: parsed.HERALD_PORTAL_FRAME_ANCESTORS.trim(),
    },
  };
}
