import type { CliCommand } from './cliCommand';

/** Every `agent-cost` subcommand, in the order `--help` lists them. */
export const cliCommands: readonly CliCommand[] = [];
