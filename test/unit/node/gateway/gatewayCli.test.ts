import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import { dayKey } from '../../../../src/core/budget/dayKey';
import { gatewayCommand } from '../../../../src/node/cli/gatewayCommand';
import { FileLedgerStore } from '../../../../src/node/fileLedger';
import { readGatewayState } from '../../../../src/node/gateway/gatewayState';
import { GatewayControl } from '../../../../src/node/gateway/gatewayControl';
import { ensureGateway } from '../../../../src/node/gateway/gatewayLauncher';
import { startFakeProviderServer, type FakeProviderServer } from '../../../support/fakeProviderServer';
import { parseRecording } from '../../../../src/core/transcripts/recording';
import { tokenCounter } from '../../../../src/core/tokens/count';
import { runCliCaptured } from '../../../support/cliRun';
import { repoRoot } from '../../../support/paths';

const cli = () => join(repoRoot(), 'dist', 'cli.js');

interface Running {
	readonly child: ChildProcess;
	readonly url: string;
	readonly exited: Promise<number | null>;
	stderr(): string;
}

/** Starts `agent-cost gateway` and waits for its first stdout line. */
async function runGateway(fake: FakeProviderServer, dir: string, extra: string[] = []): Promise<Running> {
	const child = spawn(
		process.execPath,
		[
			cli(),
			'gateway',
			'--anthropic-upstream',
			fake.anthropicBaseUrl,
			'--openai-upstream',
			fake.openaiBaseUrl,
			'--ledger',
			join(dir, 'ledger'),
			'--record',
			join(dir, 'rec'),
			'--run-budget',
			'5',
			'--daily-budget',
			'0',
			...extra,
		],
		{
			cwd: dir,
			env: { ...process.env, HOME: dir },
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	);
	let err = '';
	child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
	const exited = new Promise<number | null>(r => child.once('exit', code => r(code)));
	const first = await new Promise<string>((resolve, reject) => {
		const rl = createInterface({ input: child.stdout! });
		rl.once('line', resolve);
		child.once('exit', code => reject(new Error(`gateway exited ${code} before listening: ${err}`)));
	});
	const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
	assert.ok(m, `first stdout line: ${first}`);
	return { child, url: m[1], exited, stderr: () => err };
}

describe('agent-cost gateway (the binary)', () => {
	let fake: FakeProviderServer;
	before(async () => {
		fake = await startFakeProviderServer();
	});
	after(() => fake.close());
	beforeEach(() => fake.reset());

	it('--help documents every flag', async () => {
		const r = await runCliCaptured(['gateway', '--help'], repoRoot());
		assert.equal(r.code, 0);
		for (const flag of Object.keys(gatewayCommand.options)) assert.ok(r.stdout.includes(`--${flag}`), `--${flag} is not documented`);
		assert.match(r.stdout, /listening on http:\/\/127\.0\.0\.1:PORT/);
	});

	it('bad arguments exit 2 with a one-line reason', async () => {
		for (const [args, why] of [
			[['--mode', 'sideways'], /--mode must be observe or enforce/],
			[['--port', '99999'], /--port must be 0-65535/],
			[['--run-budget', 'lots'], /--run-budget must be a number/],
			[['--openai-upstream', 'ftp://x'], /must be an http\(s\) URL/],
			[['--frobnicate'], /Unknown option/],
		] as const) {
			const r = await runCliCaptured(['gateway', ...args], repoRoot());
			assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
			assert.match(r.stderr, why);
			assert.equal(r.stderr.trim().split('\n').length, 1);
		}
	});

	it('serves, writes its state file (0600) for one gateway per folder, and stops on SIGTERM only after the call in flight settled', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'gateway-cli-'));
		const state = join(dir, 'state');
		const g = await runGateway(fake, dir, ['--state-dir', state]);
		try {
			const s = readGatewayState(state);
			assert.equal(s?.url, g.url);
			assert.equal(s?.pid, g.child.pid);
			assert.equal(statSync(join(state, 'gateway.json')).mode & 0o777, 0o600);
			const second = spawnSync(process.execPath, [cli(), 'gateway', '--state-dir', state, '--ledger', join(dir, 'ledger')], { encoding: 'utf8', env: { ...process.env, HOME: dir } });
			assert.equal(second.status, 0);
			assert.equal(second.stdout.trim(), `already running on ${g.url} (pid ${g.child.pid})`);

			fake.enqueue({ type: 'reply', text: 'a slow answer that is still streaming', chunkChars: 3, chunkDelayMs: 40, usage: { input: 10, output: 9 } });
			const client = new OpenAI({ apiKey: 'sk-c', baseURL: `${g.url}/run/drain/v1`, maxRetries: 0 });
			const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } });
			let text = '';
			let signalled = false;
			for await (const c of stream) {
				text += c.choices[0]?.delta.content ?? '';
				if (!signalled && text.length > 3) {
					signalled = true;
					g.child.kill('SIGTERM');
				}
			}
			assert.equal(text, 'a slow answer that is still streaming', 'the stream in flight finished');
			assert.equal(await g.exited, 0);
			assert.match(g.stderr(), /stopping after 1 call\(s\) in flight/);
			assert.equal(readGatewayState(state), undefined, 'the state file is removed');
			const rec = readFileSync(join(dir, 'rec', 'gateway-drain.agent-cost.jsonl'), 'utf8');
			assert.equal(parseRecording(rec, { file: 'r', counter: tokenCounter }).calls[0]?.usage.output, 9);
		} finally {
			g.child.kill('SIGKILL');
		}
	});

	it('a gateway killed mid-call leaves no reservation stuck: it expires and counts as spent at its worst case', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'gateway-crash-'));
		const g = await runGateway(fake, dir, ['--reservation-ttl', '1']);
		fake.enqueue({ type: 'hang' });
		const client = new OpenAI({ apiKey: 'sk-c', baseURL: `${g.url}/run/crash/v1`, maxRetries: 0 });
		const pending = client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] }).catch(() => 'cut');
		await fake.waitFor(r => r.endpoint === 'chat', 5000);
		g.child.kill('SIGKILL');
		assert.equal(await pending, 'cut');
		const ledger = new FileLedgerStore(join(dir, 'ledger'));
		try {
			const now = Date.now();
			const during = await ledger.totals('crash', dayKey(now), now);
			assert.ok(during.run.reservedNano > 0, 'the dead gateway’s reservation is still held right after the crash');
			await new Promise(r => setTimeout(r, 1100));
			const later = Date.now();
			const after = await ledger.totals('crash', dayKey(later), later);
			assert.equal(after.run.reservedNano, 0, 'expired');
			assert.equal(after.run.spentNano, during.run.reservedNano, 'charged at the worst case: the provider may have billed it');
		} finally {
			ledger.close();
		}
		assert.ok(!existsSync(join(dir, 'rec')) || readdirSync(join(dir, 'rec')).every(f => !f.endsWith('.jsonl')), 'nothing was recorded: the call never ended');
	});

	it('two windows starting the gateway at once get one detached gateway; it answers its control API and stops on request', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'gateway-launch-'));
		const stateDir = join(dir, 'state');
		const launch = () =>
			ensureGateway({
				stateDir,
				cliPath: cli(),
				nodePath: process.execPath,
				args: ['--anthropic-upstream', fake.anthropicBaseUrl, '--openai-upstream', fake.openaiBaseUrl, '--ledger', join(dir, 'ledger'), '--record', join(dir, 'rec')],
				logFile: join(dir, 'gateway.log'),
			});
		const [a, b] = await Promise.all([launch(), launch()]);
		try {
			assert.equal(a.state.pid, b.state.pid, 'one gateway');
			assert.ok(a.started || b.started, 'one of them started it');
			const again = await launch();
			assert.deepEqual([again.started, again.state.pid], [false, a.state.pid], 'a later window attaches');
			const control = new GatewayControl(a.state);
			assert.equal((await control.health()).pid, a.state.pid);
			await assert.rejects(new GatewayControl({ url: a.state.url, token: 'wrong' }).status(), /401/);
			assert.deepEqual(await control.shutdown(), { stopping: true, inFlight: 0 });
			await eventuallyGone(a.state.pid);
		} finally {
			try {
				process.kill(a.state.pid, 'SIGKILL');
			} catch {
				// already stopped
			}
		}
	});
});

async function eventuallyGone(pid: number): Promise<void> {
	for (let i = 0; i < 100; i++) {
		try {
			process.kill(pid, 0);
		} catch {
			return;
		}
		await new Promise(r => setTimeout(r, 50));
	}
	throw new Error(`process ${pid} did not exit`);
}
