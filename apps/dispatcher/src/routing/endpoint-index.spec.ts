import { EndpointConfig, matchesEventType } from '@herald/contracts';
import { endpointConfig } from '../testing/endpoint-config.fixture';
import { EndpointIndex } from './endpoint-index';

const endpoint = (id: string, eventTypes: string[], extra: Partial<EndpointConfig> = {}) =>
  endpointConfig({ id, appId: 'app_a', eventTypes, ...extra });

const ids = (list: EndpointConfig[]) => list.map((e) => e.id).sort();

describe('EndpointIndex', () => {
  it('routes exact, prefix.* and * filters like matchesEventType does', () => {
    const index = new EndpointIndex();
    const filters = [['user.created'], ['user.*'], ['*'], ['order.*', 'user.deleted'], ['user.profile.*'], ['usera.*']];
    filters.forEach((eventTypes, i) => index.apply({ kind: 'endpoint.upserted', endpoint: endpoint(`ep_${i}`, eventTypes) }));
    for (const type of ['user.created', 'user.deleted', 'user.profile.updated', 'order.paid', 'usera.x', 'user', 'other']) {
      const expected = filters.map((f, i) => (f.some((filter) => matchesEventType(filter, type)) ? `ep_${i}` : null)).filter(Boolean);
      expect(ids(index.match('app_a', type, null))).toEqual(expected.sort());
    }
    expect(index.match('app_other', 'user.created', null)).toEqual([]);
  });

  it('skips disabled endpoints and honours channels', () => {
    const index = new EndpointIndex();
    index.apply({ kind: 'endpoint.upserted', endpoint: endpoint('ep_off', ['*'], { disabled: true }) });
    index.apply({ kind: 'endpoint.upserted', endpoint: endpoint('ep_chan', ['*'], { channels: ['eu'] }) });
    expect(ids(index.match('app_a', 'a.b', null))).toEqual([]);
    expect(ids(index.match('app_a', 'a.b', ['us', 'eu']))).toEqual(['ep_chan']);
  });

  it('applies updates and deletions by version, ignoring stale ones', () => {
    const index = new EndpointIndex();
    index.apply({ kind: 'endpoint.upserted', endpoint: endpoint('ep_1', ['user.*'], { version: 2 }) });
    index.apply({ kind: 'endpoint.upserted', endpoint: endpoint('ep_1', ['order.*'], { version: 1 }) });
    expect(ids(index.match('app_a', 'user.created', null))).toEqual(['ep_1']);
    index.apply({ kind: 'endpoint.upserted', endpoint: endpoint('ep_1', ['order.*'], { version: 3 }) });
    expect(ids(index.match('app_a', 'user.created', null))).toEqual([]);
    expect(ids(index.match('app_a', 'order.paid', null))).toEqual(['ep_1']);
    index.apply({ kind: 'endpoint.deleted', appId: 'app_a', endpointId: 'ep_1', version: 4 });
    index.apply({ kind: 'endpoint.upserted', endpoint: endpoint('ep_1', ['order.*'], { version: 3 }) });
    expect(index.match('app_a', 'order.paid', null)).toEqual([]);
    expect(index.size).toBe(0);
  });
});
