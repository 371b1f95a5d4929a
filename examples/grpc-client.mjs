// A gRPC client of Herald, using only @grpc/grpc-js, @grpc/proto-loader and the project's
// .proto files: creates an app and an endpoint, publishes events, reads the delivery back.
//
//   node examples/grpc-client.mjs
//
// against `npm start` (the admin token is read from HERALD_ADMIN_TOKEN or .herald/admin-token;
// SUBSCRIPTIONS_GRPC and INGEST_GRPC override the addresses 127.0.0.1:50051 / :50052). Run
// `npm run receiver` in another terminal to see the webhook arrive.
import { credentials, loadPackageDefinition, Metadata, status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = join(import.meta.dirname, '..');
const token = process.env.HERALD_ADMIN_TOKEN ?? readFileSync(join(root, '.herald/admin-token'), 'utf8').trim();
const definition = loadSync(['herald/v1/subscriptions.proto', 'herald/v1/ingest.proto'], {
  includeDirs: [join(root, 'libs/contracts/proto')],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const { herald } = loadPackageDefinition(definition);
const subscriptions = new herald.v1.SubscriptionsService(process.env.SUBSCRIPTIONS_GRPC ?? '127.0.0.1:50051', credentials.createInsecure());
const ingest = new herald.v1.IngestService(process.env.INGEST_GRPC ?? '127.0.0.1:50052', credentials.createInsecure());

/** Calls one method with the token in the `authorization` metadata. */
function call(client, method, request) {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve, reject) =>
    client[method](request, metadata, (error, response) => (error ? reject(error) : resolve(response))),
  );
}

/** A JSON value as a google.protobuf.Value, and an object as the Struct an event payload is. */
function toValue(v) {
  if (v === null) return { nullValue: 'NULL_VALUE' };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  if (typeof v === 'object') return { structValue: toStruct(v) };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return { stringValue: String(v) };
}

function toStruct(object) {
  return { fields: Object.fromEntries(Object.entries(object).map(([k, v]) => [k, toValue(v)])) };
}

// 1. An app; on a second run it exists already (ALREADY_EXISTS), so it is read instead.
const app = await call(subscriptions, 'CreateApp', { name: 'gRPC shop', uid: 'grpc-shop' }).catch((error) => {
  if (error.code !== status.ALREADY_EXISTS) throw error;
  return call(subscriptions, 'GetApp', { app_id: 'grpc-shop' });
});
console.log('app', app.id, app.uid);

// 2. An endpoint for every user.* event, pointing at `npm run receiver`.
const endpoint = await call(subscriptions, 'CreateEndpoint', {
  app_id: app.id,
  url: 'http://127.0.0.1:9000/webhook',
  event_types: ['user.*'],
});
console.log('endpoint', endpoint.id, endpoint.url, endpoint.event_types);

// 3. An event; `duplicate` is true when its id was published before.
const event = await call(ingest, 'Publish', {
  app_id: app.id,
  event_type: 'user.created',
  payload: toStruct({ id: 42, email: 'ada@example.com', tags: ['new'] }),
});
console.log('published', event.id, 'duplicate:', event.duplicate);

// 4. A batch: each event gets a result or its own error.
const batch = await call(ingest, 'PublishBatch', {
  app_id: app.id,
  events: [
    { event_type: 'user.updated', payload: toStruct({ id: 42 }) },
    { event_type: 'not a type', payload: toStruct({}) },
  ],
});
for (const result of batch.results) {
  console.log('batch item', result.result, result.published?.id ?? result.error.errors.map((e) => `${e.field}: ${e.message}`).join('; '));
}

// 5. The delivery of the first event, once the dispatcher has sent it.
await sleep(1500);
const { deliveries } = await call(subscriptions, 'ListDeliveries', { app_id: app.id, event_id: event.id });
for (const delivery of deliveries) {
  const { attempts } = await call(subscriptions, 'GetDelivery', { app_id: app.id, delivery_id: delivery.id });
  console.log(
    'delivery',
    delivery.id,
    delivery.status,
    attempts.map((a) => `attempt ${a.attempt}: ${a.outcome} ${a.response_status ?? a.error}`),
  );
}

// 6. Errors: a gRPC status, the detail as its message, the problem+json in `herald-problem`.
const error = await call(subscriptions, 'CreateEndpoint', { app_id: app.id, url: 'ftp://example.com' }).catch((e) => e);
console.log('error', error.code, error.details, JSON.parse(error.metadata.get('herald-problem')[0]).errors);

await call(subscriptions, 'DeleteEndpoint', { app_id: app.id, endpoint_id: endpoint.id });
subscriptions.close();
ingest.close();
