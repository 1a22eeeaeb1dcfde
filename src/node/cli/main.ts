import type { CliCommand, CliIo } from './cliCommand';
import { runCommand } from './cliCommand';
import { cliCommands } from './commands';
import { packageVersion } from './packageVersion';
import { processIo } from './processIo';

export { processIo };

export function helpText(commands: readonly CliCommand[]): string {
	const width = Math.max(...commands.map(c => c.name.length));
	return [
		'agent-cost — token counts, prices, transcript reports and replays for LLM agents (Agent Cost Lens engine)',
		'',
		'Usage: agent-cost <command> [options]',
		'',
		'Commands:',
		...commands.map(c => `  ${c.name.padEnd(width)}  ${c.summary}`),
		'',
		'Options:',
		'  -h, --help     show help (also: agent-cost <command> --help)',
		'  -v, --version  print the version',
		'',
		'Exit codes: 0 ok, 1 a file or call failed, 2 bad arguments or unknown model.',
	].join('\n');
}

/** Runs the CLI and returns the exit code (never calls process.exit, so tests can call it). */
export async function runCli(argv: string[], io: CliIo, commands: readonly CliCommand[] = cliCommands): Promise<number> {
	const [first, ...rest] = argv;
	if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
		io.stdout(helpText(commands) + '\n');
		return 0;
	}
	if (first === '-v' || first === '--version') {
		io.stdout(packageVersion() + '\n');
		return 0;
	}
	const command = commands.find(c => c.name === first);
	if (!command) {
		io.stderr(`agent-cost: unknown command ${JSON.stringify(first)} (try: ${commands.map(c => c.name).join(', ')})\n`);
		return 2;
	}
	return runCommand(command, rest, io);
}

if (require.main === module) {
	void runCli(process.argv.slice(2), processIo).then(code => {
		process.exitCode = code;
	});
}
