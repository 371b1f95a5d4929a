import { Command } from 'commander';
import { managementClient, unwrap } from '../api';
import { readSaved, resolveSettings, save, SavedSettings, settingsPath } from '../settings';

/** `herald login --url <management URL> --token <token>` */
export function loginCommand(): Command {
  return new Command('login')
    .description(`check a token and keep it with the URLs in ${settingsPath()} (mode 0600)`)
    .requiredOption('--url <url>', 'the management API, e.g. http://127.0.0.1:8080')
    .requiredOption('--token <token>', 'the admin token or an app token (hrld_…)')
    .option('--ingest-url <url>', 'the ingest API (default: same host, port 8081)')
    .option('--gateway-url <url>', 'the realtime gateway (default: same host, port 8082, ws://)')
    .action(async (options: { url: string; token: string; ingestUrl?: string; gatewayUrl?: string }) => {
      const saved: SavedSettings = {
        ...(await readSaved()),
        url: options.url,
        token: options.token,
        ...(options.ingestUrl ? { ingestUrl: options.ingestUrl } : {}),
        ...(options.gatewayUrl ? { gatewayUrl: options.gatewayUrl } : {}),
      };
      // The token is checked before it is kept; the environment does not override what is checked.
      const settings = await resolveSettings({
        HOME: process.env.HOME,
        XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME,
        HERALD_URL: options.url,
        HERALD_TOKEN: options.token,
      });
      const session = await unwrap(managementClient(settings).GET('/v1/session'));
      await save(saved);
      const who =
        (session as { kind?: string; appId?: string }).kind === 'app' ? `app token of ${(session as { appId: string }).appId}` : 'admin';
      process.stdout.write(`logged in to ${options.url} as ${who}; saved to ${settingsPath()}\n`);
    });
}
