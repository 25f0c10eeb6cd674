import { Command, CommanderError } from 'commander';
import { connectionsCommand } from './cli/commands/connections.ts';
import { logsCommand } from './cli/commands/logs.ts';
import { nodeTypesCommand } from './cli/commands/node-types.ts';
import { rejectedCommand } from './cli/commands/rejected.ts';
import { runCommand } from './cli/commands/run.ts';
import { runsCommand } from './cli/commands/runs.ts';
import { serveCommand } from './cli/commands/serve.ts';
import { validateCommand } from './cli/commands/validate.ts';
import { exit } from './cli/exit-codes.ts';
import { UsageError } from './cli/store-access.ts';
import { BackflowError, errorMessage } from './errors.ts';

/**
 * Errors that mean the flow or the command cannot be run as given (exit 2), not that a run failed;
 * a request the server refused carries what this command sent.
 */
const refusedAsInvalid = new Set(['flow_invalid', 'request_invalid', 'flow_changed', 'outside_roots']);

const program = new Command('backflow')
  .description('Backups, migrations and reverse ETL as flows of streaming nodes')
  .exitOverride()
  .showHelpAfterError();

/** A command with the program's settings: a bad command line throws (exit 2) and shows the help. */
const inheriting = (command: Command) => command.copyInheritedSettings(program);

program
  .addCommand(inheriting(runCommand()))
  .addCommand(inheriting(validateCommand()))
  .addCommand(inheriting(nodeTypesCommand()))
  .addCommand(inheriting(runsCommand()))
  .addCommand(inheriting(rejectedCommand()))
  .addCommand(inheriting(logsCommand()))
  // Its own settings, as before: a bad `connections` command line exits with commander's code (1).
  .addCommand(connectionsCommand())
  .addCommand(inheriting(serveCommand()));

// `backflow rejected … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? exit.ok);
  throw error;
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? exit.ok : exit.invalid;
  } else if (error instanceof UsageError) {
    console.error(`backflow: ${error.message}`);
    process.exitCode = exit.invalid;
  } else if (error instanceof BackflowError) {
    console.error(`backflow: ${error.message}`);
    process.exitCode = refusedAsInvalid.has(error.code) ? exit.invalid : exit.failed;
  } else {
    console.error(`backflow: ${errorMessage(error)}`);
    process.exitCode = exit.failed;
  }
}
