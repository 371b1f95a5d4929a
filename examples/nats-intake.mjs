// Publishes one event through NATS intake, as another service would:
//   npx node examples/nats-intake.mjs <appId or uid> '<JSON body as for POST /v1/apps/{appId}/events>'
// A valid body is accepted exactly as over HTTP; an invalid one is kept on herald.rejected.<appId>
// with the reason in its Herald-Error header, which this script then prints.
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { setTimeout } from 'node:timers/promises';

const [appKey, body] = process.argv.slice(2);
if (!appKey || !body) {
  console.error('usage: npx node examples/nats-intake.mjs <appId or uid> \'{"eventType":"user.created","payload":{}}\'');
  process.exit(2);
}
const prefix = process.env.HERALD_NATS_NAMESPACE ? `${process.env.HERALD_NATS_NAMESPACE}.` : '';
const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
const js = jetstream(nc);
const publishedAt = Date.now();
const ack = await js.publish(`${prefix}herald.ingest.${appKey}`, body);
console.log(`stored on ${ack.stream} as message ${ack.seq}`);

// Give the intake a moment, then show whether it was rejected.
await setTimeout(1000);
const stream = `${prefix ? `${process.env.HERALD_NATS_NAMESPACE.toUpperCase().replace(/-/g, '_')}_` : ''}HERALD_REJECTED`;
const jsm = await jetstreamManager(nc);
const last = await jsm.streams.getMessage(stream, { last_by_subj: `${prefix}herald.rejected.${appKey}` }).catch(() => null);
if (last && last.string() === body && last.time.getTime() >= publishedAt - 1000)
  console.log(`rejected: ${last.header?.get('Herald-Error')}`);
else console.log('accepted: see GET /v1/apps/<appId>/events');
await nc.close();
