import { parseArgs, type ParseArgsConfig } from 'node:util';
import { maxCallTokens } from '../../core/pricing/usage';

/** Where a CLI command writes; tests pass buffers, the binary passes the process streams. */
export interface CliIo {
	readonly stdout: (text: string) => void;
	readonly stderr: (text: string) => void;
	/** Reads stdin fully (for `-` file arguments). */
	readonly readStdin: () => Promise<string>;
	readonly cwd: string;
	readonly env: Readonly<Record<string, string | undefined>>;
}

type CliOptions = NonNullable<ParseArgsConfig['options']>;

export interface CliCommand {
	readonly name: string;
	/** One line for `agent-cost --help`. */
	readonly summary: string;
	/** Full usage text for `agent-cost <name> --help`. */
	readonly usage: string;
	readonly options: CliOptions;
	/** Returns the process exit code. Throw {@link UsageError} for bad arguments (exit 2). */
	run(args: ParsedCliArgs, io: CliIo): Promise<number>;
}

export interface ParsedCliArgs {
	readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
	readonly positionals: string[];
}

/** Bad arguments: the CLI prints the one-line reason and exits 2. */
export class UsageError extends Error {
	readonly exitCode = 2;
	static is(e: unknown): e is UsageError {
		return e instanceof UsageError;
	}
}

function parseCommandArgs(command: CliCommand, argv: string[]): ParsedCliArgs {
	try {
		const { values, positionals } = parseArgs({
			args: argv,
			options: { ...command.options, help: { type: 'boolean', short: 'h' } },
			allowPositionals: true,
			strict: true,
		});
		return { values: values as ParsedCliArgs['values'], positionals };
	} catch (e) {
		// node:util's messages are already one line and name the option.
		throw new UsageError(`${command.name}: ${e instanceof Error ? e.message : String(e)}`);
	}
}

/** A required string option, or a usage error naming it. */
export function requireString(args: ParsedCliArgs, name: string): string {
	const v = args.values[name];
	if (typeof v !== 'string' || v === '') throw new UsageError(`missing required option --${name}`);
	return v;
}

/** An optional non-negative integer option, at most `max` (token counts: what one call can use). */
export function optionalCount(args: ParsedCliArgs, name: string, max = maxCallTokens): number | undefined {
	const v = args.values[name];
	if (v === undefined) return undefined;
	if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
	const n = Number(v);
	if (n > max) throw new UsageError(`--${name} ${v} is more than any call can use (at most ${max.toLocaleString('en-US')})`);
	return n;
}

/** An optional finite number option. */
export function optionalNumber(args: ParsedCliArgs, name: string): number | undefined {
	const v = args.values[name];
	if (v === undefined) return undefined;
	const n = typeof v === 'string' ? Number(v) : NaN;
	if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got ${JSON.stringify(v)}`);
	return n;
}

/** Parses a command's arguments and runs it: `--help` prints its usage, a {@link UsageError} exits 2, anything else thrown exits 1. */
export async function runCommand(command: CliCommand, argv: string[], io: CliIo): Promise<number> {
	try {
		const args = parseCommandArgs(command, argv);
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
