import { Names } from '@herald/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamManager,
  RetentionPolicy,
  StorageType,
  StreamConfig,
  ConsumerConfig,
} from '@nats-io/jetstream';

const SECOND_NS = 1_000_000_000;
const DAY_NS = 24 * 3600 * SECOND_NS;

/** The configuration of every Herald stream (DESIGN.md, "Streams"). */
export function streamConfigs(names: Names): (Partial<StreamConfig> & { name: string })[] {
  const { streams, wildcards } = names;
  const base = { storage: StorageType.File, num_replicas: 1, discard: DiscardPolicy.Old };
  return [
    // The log of record: every accepted event. Nats-Msg-Id = event id de-duplicates re-publishes.
    {
      ...base,
      name: streams.events,
      subjects: [wildcards.events],
      retention: RetentionPolicy.Limits,
      max_age: 7 * DAY_NS,
      duplicate_window: 10 * 60 * SECOND_NS,
    },
    // One message per (event, endpoint) to attempt; removed once a worker acks it.
    {
      ...base,
      name: streams.deliveries,
      subjects: [wildcards.deliveries],
      retention: RetentionPolicy.Workqueue,
      duplicate_window: 10 * 60 * SECOND_NS,
    },
    { ...base, name: streams.outcomes, subjects: [wildcards.outcomes], retention: RetentionPolicy.Limits, max_age: 7 * DAY_NS },
    { ...base, name: streams.ingest, subjects: [wildcards.ingest], retention: RetentionPolicy.Workqueue },
    { ...base, name: streams.rejected, subjects: [wildcards.rejected], retention: RetentionPolicy.Limits, max_age: 7 * DAY_NS },
    // Compacted: the latest state of each endpoint, read whole by every dispatcher at start.
    { ...base, name: streams.config, subjects: [wildcards.config], retention: RetentionPolicy.Limits, max_msgs_per_subject: 1 },
  ];
}

/**
 * The durable consumers of the dispatcher (competing consumers across replicas). A message
 * not acked within `ackWaitSeconds` is redelivered, which is how work held by a killed
 * replica comes back; workers call working() while they hold a message, so a long attempt is
 * not redelivered under them.
 */
export function consumerConfigs(names: Names, ackWaitSeconds = 30): { stream: string; config: Partial<ConsumerConfig> }[] {
  const common = {
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_deliver: -1,
    ack_wait: ackWaitSeconds * SECOND_NS,
  };
  return [
    { stream: names.streams.events, config: { ...common, durable_name: names.consumers.dispatcherFanout, max_ack_pending: 2000 } },
    { stream: names.streams.deliveries, config: { ...common, durable_name: names.consumers.dispatcherDelivery, max_ack_pending: 10000 } },
    // NATS intake: herald.ingest.{appId} → validated like HTTP → HERALD_EVENTS or herald.rejected.{appId}.
    { stream: names.streams.ingest, config: { ...common, durable_name: names.consumers.ingestIntake, max_ack_pending: 1000 } },
  ];
}

/** Creates or updates every stream and consumer; safe to run any number of times. */
export async function provisionStreams(jsm: JetStreamManager, names: Names, ackWaitSeconds = 30): Promise<void> {
  for (const config of streamConfigs(names)) {
    const exists = await jsm.streams.info(config.name).then(
      () => true,
      () => false,
    );
    if (exists) await jsm.streams.update(config.name, config);
    else await jsm.streams.add(config);
  }
  for (const { stream, config } of consumerConfigs(names, ackWaitSeconds)) {
    const exists = await jsm.consumers.info(stream, config.durable_name as string).then(
      () => true,
      () => false,
    );
    if (exists) await jsm.consumers.update(stream, config.durable_name as string, config);
    else await jsm.consumers.add(stream, config);
  }
}

/** Deletes every stream of a namespace (tests clean up with it). */
export async function deleteStreams(jsm: JetStreamManager, names: Names): Promise<void> {
  for (const config of streamConfigs(names)) {
    await jsm.streams.delete(config.name).catch(() => undefined);
  }
}
