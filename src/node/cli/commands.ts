import type { CliCommand } from './cliCommand';
import { compressCommand } from './compressCommand';
import { countCommand } from './countCommand';
import { gatewayCommand } from './gatewayCommand';
import { metricsCommand } from './metricsCommand';
import { priceCommand } from './priceCommand';
import { replayCommand } from './replayCommand';
import { reportCommand } from './reportCommand';
import { sessionsCommand } from './sessionsCommand';

/** Every `agent-cost` subcommand, in the order `--help` lists them. */
export const cliCommands: readonly CliCommand[] = [countCommand, priceCommand, metricsCommand, reportCommand, sessionsCommand, replayCommand, compressCommand, gatewayCommand];
