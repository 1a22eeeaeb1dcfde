import type { CliCommand, CliIo } from '../../src/node/cli/cliCommand';
import { runCli } from '../../src/node/cli/main';

export interface CliRun {
	readonly code: number;
	readonly stdout: string;
	readonly stderr: string;
}

/** Runs `agent-cost <argv…>` in-process with captured output (as the binary would, minus process.exit). */
export async function runCliCaptured(argv: readonly string[], cwd: string, commands?: readonly CliCommand[], stdin = '', env: CliIo['env'] = {}): Promise<CliRun> {
	let stdout = '';
	let stderr = '';
	const io: CliIo = { stdout: t => (stdout += t), stderr: t => (stderr += t), readStdin: async () => stdin, cwd, env };
	const code = await runCli([...argv], io, commands);
	return { code, stdout, stderr };
}
