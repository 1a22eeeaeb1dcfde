// dist/sessionsCli.js: `agent-cost sessions` on its own (the launcher, dist/cli.js, loads it for
// that command). A bundle of its own so the command pays only for what it uses — no tokenizer
// ranks, provider SDKs or replay engine to parse at start-up (see bench/results/sessions.md).
import { runCommand } from './cliCommand';
import type { CliIo } from './cliCommand';
import { sessionsCommand } from './sessionsCommand';

export { processIo } from './processIo';

/** `argv` as given to `agent-cost` (its first element is "sessions"). */
export function runCli(argv: string[], io: CliIo): Promise<number> {
	return runCommand(sessionsCommand, argv.slice(1), io);
}
