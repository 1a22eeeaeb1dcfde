import type { CliCommand, CliIo } from './cliCommand';
import { parseCommandArgs, UsageError } from './cliCommand';
import { cliCommands } from './commands';
import { packageVersion } from './packageVersion';

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
	try {
		const args = parseCommandArgs(command, rest);
		if (args.values.help) {
			io.stdout(command.usage + '\n');
			return 0;
		}
		return await command.run(args, io);
	} catch (e) {
		if (UsageError.is(e)) {
			io.stderr(`agent-cost: ${e.message}\n`);
			return 2;
		}
		io.stderr(`agent-cost: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
		return 1;
	}
}

export const processIo: CliIo = {
	stdout: t => process.stdout.write(t),
	stderr: t => process.stderr.write(t),
	readStdin: async () => {
		const chunks: Buffer[] = [];
		for await (const c of process.stdin) chunks.push(c as Buffer);
		return Buffer.concat(chunks).toString('utf8');
	},
	cwd: process.cwd(),
	env: process.env,
};

if (require.main === module) {
	void runCli(process.argv.slice(2), processIo).then(code => {
		process.exitCode = code;
	});
}
