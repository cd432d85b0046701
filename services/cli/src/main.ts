import { Command, CommanderError } from 'commander';
import { XpError } from '@xp/events';
import { registerEvents } from './commands/events';
import { registerIngest } from './commands/ingest';

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
  registerEvents(program);
  for (const command of program.commands) command.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

export async function main(argv: string[]): Promise<void> {
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
