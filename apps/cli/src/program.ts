import { Command } from 'commander';
import { appsCommand, deliveriesCommand, endpointsCommand, eventsCommand, eventTypesCommand } from './commands/resources';
import { listenCommand } from './commands/listen';
import { loginCommand } from './commands/login';
import { sendCommand } from './commands/send';
import { tailCommand } from './commands/tail';
import { verifyCommand } from './commands/verify';

/** The `herald` command and its subcommands. */
export function heraldProgram(version: string): Command {
  const program = new Command('herald')
    .description(
      'Herald from the command line: manage apps and endpoints, publish, watch the live feed, forward deliveries to localhost.\n' +
        'Settings: HERALD_URL, HERALD_INGEST_URL, HERALD_GATEWAY_URL, HERALD_TOKEN, else `herald login`, else the local stack.',
    )
    .version(version)
    .showHelpAfterError('(run with --help for usage)');
  for (const command of [
    loginCommand(),
    appsCommand(),
    endpointsCommand(),
    eventTypesCommand(),
    eventsCommand(),
    deliveriesCommand(),
    sendCommand(),
    tailCommand(),
    listenCommand(),
    verifyCommand(),
  ]) {
    program.addCommand(command);
  }
  return program;
}
