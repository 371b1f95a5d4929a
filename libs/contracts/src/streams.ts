/**
 * Every stream, subject and consumer name Herald uses. A namespace (HERALD_NATS_NAMESPACE)
 * prefixes them all so several installations, or test runs, can share one NATS server:
 * with namespace `t1`, stream `HERALD_EVENTS` becomes `T1_HERALD_EVENTS` and subject
 * `herald.events.>` becomes `t1.herald.events.>`. The default namespace is empty.
 */
export class Names {
  private readonly streamPrefix: string;
  private readonly subjectPrefix: string;

  constructor(readonly namespace = '') {
    if (namespace && !/^[a-z0-9_-]{1,32}$/.test(namespace)) {
      throw new Error(`invalid NATS namespace "${namespace}": use 1-32 of [a-z0-9_-]`);
    }
    this.streamPrefix = namespace ? `${namespace.toUpperCase().replace(/-/g, '_')}_` : '';
    this.subjectPrefix = namespace ? `${namespace}.` : '';
  }

  get streams() {
    const p = this.streamPrefix;
    return {
      ingest: `${p}HERALD_INGEST`,
      events: `${p}HERALD_EVENTS`,
      deliveries: `${p}HERALD_DELIVERIES`,
      outcomes: `${p}HERALD_OUTCOMES`,
      rejected: `${p}HERALD_REJECTED`,
      config: `${p}HERALD_CONFIG`,
    };
  }

  get consumers() {
    const p = this.streamPrefix;
    return {
      dispatcherFanout: `${p}dispatcher-fanout`,
      dispatcherDelivery: `${p}dispatcher-delivery`,
      ingestIntake: `${p}ingest-intake`,
    };
  }

  /** `herald.events.{appId}.{eventType}` */
  event(appId: string, eventType: string): string {
    return `${this.subjectPrefix}herald.events.${appId}.${eventType}`;
  }

  /** `herald.deliveries.{appId}.{endpointId}` */
  delivery(appId: string, endpointId: string): string {
    return `${this.subjectPrefix}herald.deliveries.${appId}.${endpointId}`;
  }

  /** `herald.outcomes.{appId}.{endpointId}` */
  outcome(appId: string, endpointId: string): string {
    return `${this.subjectPrefix}herald.outcomes.${appId}.${endpointId}`;
  }

  /** `herald.relay.{endpointId}`: a relay endpoint's requests, core NATS request/reply (not a stream). */
  relay(endpointId: string): string {
    return `${this.subjectPrefix}herald.relay.${endpointId}`;
  }

  /** `herald.ingest.{appId}` */
  ingest(appId: string): string {
    return `${this.subjectPrefix}herald.ingest.${appId}`;
  }

  /** `herald.rejected.{appId}` */
  rejected(appId: string): string {
    return `${this.subjectPrefix}herald.rejected.${appId}`;
  }

  /** `herald.config.endpoints.{appId}.{endpointId}`: the latest state of one endpoint. */
  endpointConfig(appId: string, endpointId: string): string {
    return `${this.subjectPrefix}herald.config.endpoints.${appId}.${endpointId}`;
  }

  /** The wildcard subject of every stream, keyed like `streams`. */
  get wildcards() {
    const s = this.subjectPrefix;
    return {
      ingest: `${s}herald.ingest.*`,
      events: `${s}herald.events.>`,
      deliveries: `${s}herald.deliveries.>`,
      outcomes: `${s}herald.outcomes.>`,
      rejected: `${s}herald.rejected.*`,
      config: `${s}herald.config.>`,
    };
  }
}
