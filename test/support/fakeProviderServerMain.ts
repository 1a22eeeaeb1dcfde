/**
 * Command-line entry of the fake provider server (built to `out/fakeProviderServer.js`):
 *
 *   npm run fake-provider -- [--port N] [--openai-key K] [--anthropic-key K] [--script FILE] [--id-prefix P]
 *
 * Prints one JSON line `{"url","port","openaiBaseUrl","anthropicBaseUrl"}` once listening on
 * 127.0.0.1, then serves until SIGINT/SIGTERM. FILE holds a JSON array of `{"behavior":…,"match":…}`
 * items queued at start (more can be queued at runtime with `POST /__fake/enqueue`).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startFakeProviderServer, type FakeBehavior, type FakeMatch } from './fakeProviderServer';

async function main(): Promise<number> {
	let values: Record<string, string | boolean | undefined>;
	try {
		({ values } = parseArgs({
			options: {
				port: { type: 'string' },
				'openai-key': { type: 'string' },
				'anthropic-key': { type: 'string' },
				script: { type: 'string' },
				'id-prefix': { type: 'string' },
				help: { type: 'boolean', short: 'h' },
			},
			strict: true,
		}));
	} catch (e) {
		process.stderr.write(`fake-provider: ${e instanceof Error ? e.message : String(e)}\n`);
		return 2;
	}
	if (values.help) {
		process.stdout.write('Usage: fake-provider [--port N] [--openai-key K] [--anthropic-key K] [--script FILE] [--id-prefix P]\n');
		return 0;
	}
	const port = values.port === undefined ? 0 : Number(values.port);
	if (!Number.isInteger(port) || port < 0 || port > 65535) {
		process.stderr.write(`fake-provider: --port must be an integer 0-65535, got ${JSON.stringify(values.port)}\n`);
		return 2;
	}
	let script: { behavior: FakeBehavior; match?: FakeMatch }[] = [];
	if (typeof values.script === 'string') {
		try {
			const parsed = JSON.parse(readFileSync(values.script, 'utf8')) as unknown;
			if (!Array.isArray(parsed)) throw new Error('expected a JSON array of {"behavior":…,"match":…}');
			script = parsed as typeof script;
		} catch (e) {
			process.stderr.write(`fake-provider: cannot read --script ${values.script}: ${e instanceof Error ? e.message : String(e)}\n`);
			return 2;
		}
	}
	const keys: Record<string, string> = {};
	if (typeof values['openai-key'] === 'string') keys.openai = values['openai-key'];
	if (typeof values['anthropic-key'] === 'string') keys.anthropic = values['anthropic-key'];
	const server = await startFakeProviderServer({ port, keys, ...(typeof values['id-prefix'] === 'string' && { idPrefix: values['id-prefix'] }) });
	for (const item of script) server.enqueue(item.behavior, item.match);
	process.stdout.write(JSON.stringify({ url: server.url, port: server.port, openaiBaseUrl: server.openaiBaseUrl, anthropicBaseUrl: server.anthropicBaseUrl }) + '\n');
	await new Promise<void>(resolve => {
		process.once('SIGINT', resolve);
		process.once('SIGTERM', resolve);
	});
	await server.close();
	return 0;
}

main().then(
	code => {
		process.exitCode = code;
	},
	e => {
		process.stderr.write(`fake-provider: ${e instanceof Error ? e.message : String(e)}\n`);
		process.exitCode = 1;
	},
);
