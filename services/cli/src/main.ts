import { Command, CommanderError } from 'commander';
import { XpError } from '@xp/events';
import { registerLoopCommands } from './commands/demo';
import { registerEvents } from './commands/events';
import { registerExport } from './commands/export';
import { registerIngest } from './commands/ingest';
import { registerKafka } from './commands/kafka';
import { registerKeys } from './commands/keys';
import { registerMigrate } from './commands/migrate';
import { registerProject } from './commands/project';
import { registerRuns } from './commands/runs';
import { registerServe } from './commands/serve';
import { registerSql } from './commands/sql';
import { registerUp } from './commands/up';

/** Exit codes: 0 success, 1 the command ran but found problems (rejected lines, mismatches), 2 usage, 3 failure. */
export const EXIT_USAGE = 2;
export const EXIT_FAILURE = 3;

export function buildProgram(): Command {
  const program = new Command('xp')
    .description('Event-sourced experiment tracker and control plane for self-improvement training loops')
    .version(require('../package.json').version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerIngest(program);
  registerMigrate(program);
  registerEvents(program);
  registerRuns(program);
  registerExport(program);
  registerProject(program);
  registerSql(program);
  registerLoopCommands(program);
  registerKeys(program);
  registerUp(program);
  registerServe(program);
  registerKafka(program);
  const configure = (command: Command) => {
    command.exitOverride().showHelpAfterError('(run with --help for usage)');
    command.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // A closed pipe (xp events | head) ends the output, not the process with a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeFor(error);
    if (!(error instanceof CommanderError)) process.stderr.write(`xp: ${describe(error)}\n`);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
  if (error instanceof XpError && error.code === 'USAGE') return EXIT_USAGE;
  return EXIT_FAILURE;
}

function describe(error: unknown): string {
  if (error instanceof XpError) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
