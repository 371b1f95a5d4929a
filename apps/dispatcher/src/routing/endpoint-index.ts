import { EndpointConfig, EndpointConfigMessage } from '@herald/contracts';

interface AppRoutes {
  exact: Map<string, Set<EndpointConfig>>;
  /** `prefix.` (with the dot) → endpoints subscribed to `prefix.*`. */
  prefixes: Map<string, Set<EndpointConfig>>;
  all: Set<EndpointConfig>;
}

/**
 * The dispatcher's in-memory view of every endpoint, indexed by app and event-type filter, so
 * routing an event costs a few map lookups per dot in its type, not a scan of all endpoints.
 */
export class EndpointIndex {
  private readonly byId = new Map<string, EndpointConfig>();
  /** Versions of deleted endpoints, so a late upsert cannot resurrect them. */
  private readonly tombstones = new Map<string, number>();
  private readonly apps = new Map<string, AppRoutes>();

  get size(): number {
    return this.byId.size;
  }

  get(endpointId: string): EndpointConfig | undefined {
    return this.byId.get(endpointId);
  }

  /** Applies one config message; older versions than what is held are ignored. */
  apply(message: EndpointConfigMessage): void {
    if (message.kind === 'endpoint.upserted') {
      const { endpoint } = message;
      const current = this.byId.get(endpoint.id);
      const deletedAt = this.tombstones.get(endpoint.id);
      if ((current && current.version >= endpoint.version) || (deletedAt !== undefined && deletedAt >= endpoint.version)) return;
      if (current) this.unroute(current);
      this.byId.set(endpoint.id, endpoint);
      this.route(endpoint);
    } else {
      const current = this.byId.get(message.endpointId);
      if (current && current.version >= message.version) return;
      if (current) this.unroute(current);
      this.byId.delete(message.endpointId);
      this.tombstones.set(message.endpointId, message.version);
    }
  }

  /** Removes an endpoint without a tombstone, so any version of it may be applied again. */
  forget(endpointId: string): void {
    const current = this.byId.get(endpointId);
    if (current) this.unroute(current);
    this.byId.delete(endpointId);
  }

  /** Enabled endpoints of the app whose filters match the event type and channels. */
  match(appId: string, eventType: string, channels: string[] | null): EndpointConfig[] {
    const routes = this.apps.get(appId);
    if (!routes) return [];
    const found = new Set<EndpointConfig>(routes.all);
    for (const endpoint of routes.exact.get(eventType) ?? []) found.add(endpoint);
    for (let dot = eventType.indexOf('.'); dot !== -1; dot = eventType.indexOf('.', dot + 1)) {
      for (const endpoint of routes.prefixes.get(eventType.slice(0, dot + 1)) ?? []) found.add(endpoint);
    }
    return [...found].filter((endpoint) => !endpoint.disabled && channelsMatch(endpoint.channels, channels));
  }

  private route(endpoint: EndpointConfig): void {
    let routes = this.apps.get(endpoint.appId);
    if (!routes) {
      routes = { exact: new Map(), prefixes: new Map(), all: new Set() };
      this.apps.set(endpoint.appId, routes);
    }
    for (const filter of endpoint.eventTypes) {
      if (filter === '*') routes.all.add(endpoint);
      else if (filter.endsWith('.*')) addTo(routes.prefixes, filter.slice(0, -1), endpoint);
      else addTo(routes.exact, filter, endpoint);
    }
  }

  private unroute(endpoint: EndpointConfig): void {
    const routes = this.apps.get(endpoint.appId);
    if (!routes) return;
    routes.all.delete(endpoint);
    for (const filter of endpoint.eventTypes) {
      routes.exact.get(filter)?.delete(endpoint);
      routes.prefixes.get(filter.slice(0, -1))?.delete(endpoint);
    }
  }
}

function addTo(map: Map<string, Set<EndpointConfig>>, key: string, endpoint: EndpointConfig): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(endpoint);
}

function channelsMatch(wanted: string[] | null, given: string[] | null): boolean {
  if (!wanted) return true;
  return (given ?? []).some((channel) => wanted.includes(channel));
}
