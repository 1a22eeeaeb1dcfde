import type { CliIo } from './cliCommand';

/** The CLI's I/O when it runs as a program: the process streams, folder and environment. */
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
