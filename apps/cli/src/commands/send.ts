import { HeraldPublisher, HeraldPublishError } from '@herald/sdk';
import { Command } from 'commander';
import { CliError } from '../cli-error';
import { print } from '../output';
import { resolveSettings } from '../settings';
import { jsonFile, jsonOption } from './json-input';

/** `herald send <eventType> --app <app> --data '<json>' | --data-file <file> [--id <id>]` */
export function sendCommand(): Command {
  return new Command('send')
    .description('publish one event to an app (through the ingest API)')
    .argument('<eventType>', 'its type, e.g. user.created')
    .requiredOption('--app <app>', 'app id or uid')
    .option('--data <json>', 'the payload, a JSON object')
    .option('--data-file <file>', 'the payload from a file')
    .option('--id <id>', 'your id for it: a repeat is a duplicate and delivers nothing again')
    .option('--channels <channels>', 'comma-separated channels')
    .option('--json', 'print JSON')
    .action(
      async (
        eventType: string,
        options: { app: string; data?: string; dataFile?: string; id?: string; channels?: string; json?: boolean },
      ) => {
        if ((options.data === undefined) === (options.dataFile === undefined))
          throw new CliError('give the payload with --data or --data-file (one of them)');
        const payload = options.dataFile !== undefined ? jsonFile(options.dataFile, '--data-file') : jsonOption(options.data, '--data');
        const settings = await resolveSettings();
        if (!settings.token) throw new CliError('no token: run `herald login --url <url> --token <token>` or set HERALD_TOKEN');
        const publisher = new HeraldPublisher({ transport: 'http', ingestUrl: settings.ingestUrl, token: settings.token, retries: 2 });
        try {
          const result = await publisher.publish(options.app, {
            eventType,
            payload,
            ...(options.id ? { id: options.id } : {}),
            ...(options.channels ? { channels: options.channels.split(',').map((c) => c.trim()) } : {}),
          });
          if (options.json) print(result, true);
          else if (result.transport === 'http')
            process.stdout.write(`${result.duplicate ? 'duplicate of' : 'published'} ${result.id} (${result.eventType})\n`);
        } catch (error) {
          if (error instanceof HeraldPublishError) {
            throw new CliError(
              error.code === 'http_status' ? error.message : `cannot reach ingest at ${settings.ingestUrl}: ${error.message}`,
            );
          }
          throw error;
        }
      },
    );
}
