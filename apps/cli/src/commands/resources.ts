import type { HeraldClient } from '@herald/client';
import { Command } from 'commander';
import { managementClient, unwrap } from '../api';
import { CliError } from '../cli-error';
import { print } from '../output';
import { resolveSettings } from '../settings';
import { jsonOption } from './json-input';

type Options = Record<string, string | boolean | undefined>;

/** Runs one resource action with the management client and prints what it returned. */
function action<A extends unknown[]>(columns: string[] | undefined, run: (client: HeraldClient, ...args: A) => Promise<unknown>) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const options = command.opts<Options>();
    const client = managementClient(await resolveSettings());
    const value = await run(client, ...(args.slice(0, -1) as A));
    if (value === undefined) return;
    print(value, options.json === true, columns);
  };
}

const page = (options: Options) => ({
  ...(options.limit ? { limit: Number(options.limit) } : {}),
  ...(options.cursor ? { cursor: String(options.cursor) } : {}),
});

/** A comma-separated list option (`--types 'user.*,order.paid'`). */
export const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

function withPaging(command: Command): Command {
  return command.option('--limit <n>', 'at most this many (1-250)').option('--cursor <cursor>', 'the page after this cursor');
}

function requireApp(options: Options): string {
  if (typeof options.app !== 'string') throw new CliError('--app <app> is required (an app id or uid)');
  return options.app;
}

/** `herald apps …` */
export function appsCommand(): Command {
  const apps = new Command('apps').description('apps (tenants): list, get, create, update, delete');
  withPaging(apps.command('list').description('list apps (admin token)').option('--json', 'print JSON')).action(
    action(['id', 'uid', 'name', 'createdAt'], (client, options: Options) =>
      unwrap(client.GET('/v1/apps', { params: { query: page(options) } })),
    ),
  );
  apps
    .command('get <app>')
    .description('show one app')
    .option('--json', 'print JSON')
    .action(action(undefined, (client, app: string) => unwrap(client.GET('/v1/apps/{appId}', { params: { path: { appId: app } } }))));
  apps
    .command('create')
    .description('create an app (admin token)')
    .requiredOption('--name <name>', 'its name')
    .option('--uid <uid>', 'your own key for it')
    .option('--data <json>', 'more fields as JSON (metadata)')
    .option('--json', 'print JSON')
    .action(
      action(undefined, (client, options: Options) =>
        unwrap(
          client.POST('/v1/apps', {
            body: {
              ...jsonOption(options.data, '--data'),
              name: String(options.name),
              ...(options.uid ? { uid: String(options.uid) } : {}),
            } as never,
          }),
        ),
      ),
    );
  apps
    .command('update <app>')
    .description('change an app')
    .option('--name <name>', 'a new name')
    .option('--data <json>', 'fields to change as JSON')
    .option('--json', 'print JSON')
    .action(
      action(undefined, (client, app: string, options: Options) =>
        unwrap(
          client.PATCH('/v1/apps/{appId}', {
            params: { path: { appId: app } },
            body: { ...jsonOption(options.data, '--data'), ...(options.name ? { name: String(options.name) } : {}) } as never,
          }),
        ),
      ),
    );
  apps
    .command('delete <app>')
    .description('delete an app and its endpoints')
    .action(
      action(undefined, async (client, app: string) => {
        await unwrap(client.DELETE('/v1/apps/{appId}', { params: { path: { appId: app } } }));
        process.stdout.write(`deleted ${app}\n`);
      }),
    );
  return apps;
}

/** `herald endpoints …` */
export function endpointsCommand(): Command {
  const endpoints = new Command('endpoints').description('endpoints of an app: list, get, create, update, delete, test, rotate-secret, …');
  const path = (options: Options, endpointId: string) => ({ path: { appId: requireApp(options), endpointId } });
  withPaging(
    endpoints
      .command('list')
      .description("list an app's endpoints")
      .requiredOption('--app <app>', 'app id or uid')
      .option('--json', 'print JSON'),
  ).action(
    action(['id', 'type', 'url', 'eventTypes', 'disabled'], (client, options: Options) =>
      unwrap(client.GET('/v1/apps/{appId}/endpoints', { params: { path: { appId: requireApp(options) }, query: page(options) } })),
    ),
  );
  endpoints
    .command('get <endpointId>')
    .description('show one endpoint')
    .requiredOption('--app <app>', 'app id or uid')
    .option('--json', 'print JSON')
    .action(
      action(undefined, (client, id: string, options: Options) =>
        unwrap(client.GET('/v1/apps/{appId}/endpoints/{endpointId}', { params: path(options, id) })),
      ),
    );
  endpoints
    .command('create')
    .description('create an endpoint')
    .requiredOption('--app <app>', 'app id or uid')
    .requiredOption('--url <url>', 'where deliveries go')
    .option('--types <filters>', "event types, comma-separated ('user.*,order.paid')")
    .option('--type <type>', 'webhook, discord, slack or relay')
    .option('--description <text>', 'free text')
    .option('--data <json>', 'more fields as JSON (signature, body, retrySchedule, …)')
    .option('--json', 'print JSON')
    .action(
      action(undefined, (client, options: Options) =>
        unwrap(
          client.POST('/v1/apps/{appId}/endpoints', {
            params: { path: { appId: requireApp(options) } },
            body: {
              ...jsonOption(options.data, '--data'),
              url: String(options.url),
              ...(options.types ? { eventTypes: list(String(options.types)) } : {}),
              ...(options.type ? { type: String(options.type) } : {}),
              ...(options.description ? { description: String(options.description) } : {}),
            } as never,
          }),
        ),
      ),
    );
  endpoints
    .command('update <endpointId>')
    .description('change an endpoint')
    .requiredOption('--app <app>', 'app id or uid')
    .option('--url <url>', 'a new URL')
    .option('--types <filters>', 'new event type filters, comma-separated')
    .option('--disable', 'disable it')
    .option('--enable', 'enable it')
    .option('--data <json>', 'fields to change as JSON')
    .option('--json', 'print JSON')
    .action(
      action(undefined, (client, id: string, options: Options) =>
        unwrap(
          client.PATCH('/v1/apps/{appId}/endpoints/{endpointId}', {
            params: path(options, id),
            body: {
              ...jsonOption(options.data, '--data'),
              ...(options.url ? { url: String(options.url) } : {}),
              ...(options.types ? { eventTypes: list(String(options.types)) } : {}),
              ...(options.disable ? { disabled: true } : options.enable ? { disabled: false } : {}),
            } as never,
          }),
        ),
      ),
    );
  endpoints
    .command('delete <endpointId>')
    .description('delete an endpoint')
    .requiredOption('--app <app>', 'app id or uid')
    .action(
      action(undefined, async (client, id: string, options: Options) => {
        await unwrap(client.DELETE('/v1/apps/{appId}/endpoints/{endpointId}', { params: path(options, id) }));
        process.stdout.write(`deleted ${id}\n`);
      }),
    );
  endpoints
    .command('secret <endpointId>')
    .description("show an endpoint's signing secret")
    .requiredOption('--app <app>', 'app id or uid')
    .option('--json', 'print JSON')
    .action(
      action(undefined, (client, id: string, options: Options) =>
        unwrap(client.GET('/v1/apps/{appId}/endpoints/{endpointId}/secret', { params: path(options, id) })),
      ),
    );
  endpoints
    .command('rotate-secret <endpointId>')
    .description('rotate the signing secret (the old one keeps signing during the grace period)')
    .requiredOption('--app <app>', 'app id or uid')
    .option('--secret <secret>', 'the new secret (default: generated)')
    .option('--grace-period <seconds>', 'how long the old secret keeps signing (default 86400)')
    .option('--json', 'print JSON')
    .action(
      action(undefined, (client, id: string, options: Options) =>
        unwrap(
          client.POST('/v1/apps/{appId}/endpoints/{endpointId}/secret/rotate', {
            params: path(options, id),
            body: {
              ...(options.secret ? { secret: String(options.secret) } : {}),
              ...(options.gracePeriod ? { gracePeriodSeconds: Number(options.gracePeriod) } : {}),
            } as never,
          }),
        ),
      ),
    );
  endpoints
    .command('test <endpointId>')
    .description('send a recorded test delivery to this endpoint only')
    .requiredOption('--app <app>', 'app id or uid')
    .option('--event-type <type>', 'the event type of the sample')
    .option('--payload <json>', 'the sample payload')
    .option('--json', 'print JSON')
    .action(
      action(undefined, (client, id: string, options: Options) =>
        unwrap(
          client.POST('/v1/apps/{appId}/endpoints/{endpointId}/test', {
            params: path(options, id),
            body: {
              ...(options.eventType ? { eventType: String(options.eventType) } : {}),
              ...(options.payload ? { payload: jsonOption(options.payload, '--payload') } : {}),
            } as never,
          }),
        ),
      ),
    );
  endpoints
    .command('enable <endpointId>')
    .description('re-enable an endpoint disabled for failing')
    .requiredOption('--app <app>', 'app id or uid')
    .option('--json', 'print JSON')
    .action(
      action(undefined, (client, id: string, options: Options) =>
        unwrap(client.POST('/v1/apps/{appId}/endpoints/{endpointId}/enable', { params: path(options, id) })),
      ),
    );
  endpoints
    .command('replay <endpointId>')
    .description("resend this endpoint's deliveries of a time window (default: the failed ones)")
    .requiredOption('--app <app>', 'app id or uid')
    .requiredOption('--since <time>', 'ISO time')
    .option('--until <time>', 'ISO time')
    .option('--all', 'every delivery, not only the failed ones')
    .option('--json', 'print JSON')
    .action(
      action(undefined, (client, id: string, options: Options) =>
        unwrap(
          client.POST('/v1/apps/{appId}/endpoints/{endpointId}/replay', {
            params: path(options, id),
            body: {
              since: String(options.since),
              ...(options.until ? { until: String(options.until) } : {}),
              status: options.all ? 'all' : 'failed',
            } as never,
          }),
        ),
      ),
    );
  endpoints
    .command('stats <endpointId>')
    .description("an endpoint's delivery statistics")
    .requiredOption('--app <app>', 'app id or uid')
    .option('--since <time>', 'ISO time')
    .option('--json', 'print JSON')
    .action(
      action(undefined, (client, id: string, options: Options) =>
        unwrap(
          client.GET('/v1/apps/{appId}/endpoints/{endpointId}/stats', {
            params: { ...path(options, id), query: options.since ? { since: String(options.since) } : {} } as never,
          }),
        ),
      ),
    );
  return endpoints;
}

/** `herald event-types …` */
export function eventTypesCommand(): Command {
  const types = new Command('event-types').description('event types: list, get, create, update, delete');
  withPaging(types.command('list').description('list event types').option('--json', 'print JSON')).action(
    action(['name', 'description', 'deprecated'], (client, options: Options) =>
      unwrap(client.GET('/v1/event-types', { params: { query: page(options) } })),
    ),
  );
  types
    .command('get <name>')
    .description('show one event type')
    .option('--json', 'print JSON')
    .action(action(undefined, (client, name: string) => unwrap(client.GET('/v1/event-types/{name}', { params: { path: { name } } }))));
  types
    .command('create <name>')
    .description('create an event type (admin token)')
    .option('--description <text>', 'what it means')
    .option('--schema <json>', 'a JSON Schema its payloads must match')
    .option('--data <json>', 'more fields as JSON (example, deprecated)')
    .option('--json', 'print JSON')
    .action(
      action(undefined, (client, name: string, options: Options) =>
        unwrap(
          client.POST('/v1/event-types', {
            body: {
              ...jsonOption(options.data, '--data'),
              name,
              ...(options.description ? { description: String(options.description) } : {}),
              ...(options.schema ? { schema: jsonOption(options.schema, '--schema') } : {}),
            } as never,
          }),
        ),
      ),
    );
  types
    .command('update <name>')
    .description('change an event type (admin token)')
    .option('--description <text>', 'what it means')
    .option('--data <json>', 'fields to change as JSON')
    .option('--json', 'print JSON')
    .action(
      action(undefined, (client, name: string, options: Options) =>
        unwrap(
          client.PATCH('/v1/event-types/{name}', {
            params: { path: { name } },
            body: {
              ...jsonOption(options.data, '--data'),
              ...(options.description ? { description: String(options.description) } : {}),
            } as never,
          }),
        ),
      ),
    );
  types
    .command('delete <name>')
    .description('delete an event type (admin token)')
    .action(
      action(undefined, async (client, name: string) => {
        await unwrap(client.DELETE('/v1/event-types/{name}', { params: { path: { name } } }));
        process.stdout.write(`deleted ${name}\n`);
      }),
    );
  return types;
}

/** `herald events …` */
export function eventsCommand(): Command {
  const events = new Command('events').description("an app's events: list, get (publish with herald send)");
  withPaging(
    events
      .command('list')
      .description("list an app's events, newest first")
      .requiredOption('--app <app>', 'app id or uid')
      .option('--event-type <type>', 'only this type')
      .option('--json', 'print JSON'),
  ).action(
    action(['id', 'eventType', 'occurredAt'], (client, options: Options) =>
      unwrap(
        client.GET('/v1/apps/{appId}/events', {
          params: {
            path: { appId: requireApp(options) },
            query: { ...page(options), ...(options.eventType ? { eventType: String(options.eventType) } : {}) },
          } as never,
        }),
      ),
    ),
  );
  events
    .command('get <eventId>')
    .description('show one event')
    .requiredOption('--app <app>', 'app id or uid')
    .option('--json', 'print JSON')
    .action(
      action(undefined, (client, id: string, options: Options) =>
        unwrap(client.GET('/v1/apps/{appId}/events/{eventId}', { params: { path: { appId: requireApp(options), eventId: id } } })),
      ),
    );
  return events;
}

/** `herald deliveries …` */
export function deliveriesCommand(): Command {
  const deliveries = new Command('deliveries').description("an app's deliveries: list, get (with attempts), retry");
  withPaging(
    deliveries
      .command('list')
      .description("list an app's deliveries, newest first")
      .requiredOption('--app <app>', 'app id or uid')
      .option('--endpoint <endpointId>', 'only to this endpoint')
      .option('--event <eventId>', 'only of this event')
      .option('--status <status>', 'pending, succeeded or failed')
      .option('--json', 'print JSON'),
  ).action(
    action(['id', 'eventType', 'endpointId', 'status', 'attemptCount', 'updatedAt'], (client, options: Options) =>
      unwrap(
        client.GET('/v1/apps/{appId}/deliveries', {
          params: {
            path: { appId: requireApp(options) },
            query: {
              ...page(options),
              ...(options.endpoint ? { endpointId: String(options.endpoint) } : {}),
              ...(options.event ? { eventId: String(options.event) } : {}),
              ...(options.status ? { status: String(options.status) } : {}),
            },
          } as never,
        }),
      ),
    ),
  );
  deliveries
    .command('get <deliveryId>')
    .description('show one delivery and its attempts')
    .requiredOption('--app <app>', 'app id or uid')
    .option('--json', 'print JSON')
    .action(
      action(undefined, (client, id: string, options: Options) =>
        unwrap(
          client.GET('/v1/apps/{appId}/deliveries/{deliveryId}', { params: { path: { appId: requireApp(options), deliveryId: id } } }),
        ),
      ),
    );
  deliveries
    .command('retry <deliveryId>')
    .description('one more attempt now')
    .requiredOption('--app <app>', 'app id or uid')
    .option('--json', 'print JSON')
    .action(
      action(undefined, async (client, id: string, options: Options) => {
        await unwrap(
          client.POST('/v1/apps/{appId}/deliveries/{deliveryId}/retry', {
            params: { path: { appId: requireApp(options), deliveryId: id } },
          }),
        );
        return options.json ? { deliveryId: id, retried: true } : `retrying ${id}`;
      }),
    );
  return deliveries;
}
