import type { CliCommand } from './cliCommand';
import { metricsCommand } from './metricsCommand';
import { priceCommand } from './priceCommand';
import { reportCommand } from './reportCommand';

/** Every `agent-cost` subcommand, in the order `--help` lists them. */
export const cliCommands: readonly CliCommand[] = [priceCommand, metricsCommand, reportCommand];
