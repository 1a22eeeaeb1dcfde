import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayMode } from '../../../../src/core/gateway/gatewaySnapshot';
import type { Usage } from '../../../../src/core/pricing/usage';
import { startFakeProviderServer, type FakeProviderServer } from '../../../support/fakeProviderServer';
import { repoRoot } from '../../../support/paths';
import { eventually, pricing, startTestGateway, type TestGateway } from './gatewayKit';

/**
 * The real Claude Code and Codex CLIs — clients nobody here wrote — through the gateway to the
 * local fake provider, offline (see /work/shared/docs/REAL-AGENTS.md: throw-away HOME, placeholder
 * keys, Codex pointed at a custom model provider). `npm test` installs them first
 * (test/harness/setupAgents.sh); when they are missing these tests FAIL, never pass silently.
 */
const harnessRoot = process.env.HARNESS_ROOT ?? join(repoRoot(), '.harness');
const agentsDir = join(harnessRoot, 'agents');

function agentBin(name: 'claude' | 'codex'): string {
	const bin = join(agentsDir, 'node_modules', '.bin', name);
	const installed = existsSync(agentsDir) && readdirSync(agentsDir).some(f => f.startsWith('.installed-'));
	if (!installed || !existsSync(bin)) throw new Error(`the real ${name} CLI is not installed in ${agentsDir}: run test/harness/setupAgents.sh (npm test does); these tests fail rather than skip`);
	return bin;
}

interface AgentRun {
	readonly code: number | null;
	readonly stdout: string;
	readonly stderr: string;
}

function run(bin: string, args: string[], env: Record<string, string>, cwd: string, timeoutMs = 60_000): Promise<AgentRun> {
	return new Promise((resolve, reject) => {
		const child = spawn(bin, args, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
		child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`${bin} ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`));
		}, timeoutMs);
		child.once('exit', code => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr });
		});
	});
}

const usd = (model: string, u: Usage) => {
	const c = pricing.cost(model, u);
	assert.ok(c.kind === 'priced', `${model} has a price`);
	return c.usd;
};

interface ClaudeResult {
	readonly is_error: boolean;
	readonly result: string;
	readonly session_id: string;
	readonly total_cost_usd: number;
}

function claude(t: TestGateway, prompt: string, extra: string[] = []): Promise<{ run: AgentRun; result: ClaudeResult }> {
	const home = mkdtempSync(join(tmpdir(), 'claude-home-'));
	const cwd = mkdtempSync(join(tmpdir(), 'claude-work-'));
	return run(
		agentBin('claude'),
		['-p', prompt, '--output-format', 'json', ...extra],
		{
			HOME: home,
			ANTHROPIC_BASE_URL: t.gateway.url,
			ANTHROPIC_API_KEY: 'sk-ant-placeholder',
			DISABLE_TELEMETRY: '1',
			CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
		},
		cwd,
	).then(r => {
		try {
			return { run: r, result: JSON.parse(r.stdout) as ClaudeResult };
		} catch {
			throw new Error(`claude printed no JSON result (exit ${r.code}): ${r.stdout.slice(0, 500)} ${r.stderr.slice(0, 500)}`);
		}
	});
}

function codex(t: TestGateway, prompt: string): Promise<AgentRun & { codexHome: string }> {
	const home = mkdtempSync(join(tmpdir(), 'codex-home-'));
	const codexHome = join(home, '.codex');
	mkdirSync(codexHome);
	// This Codex ignores OPENAI_BASE_URL: a custom model provider points it at the gateway.
	writeFileSync(
		join(codexHome, 'config.toml'),
		['model = "gpt-5"', 'model_provider = "local"', '[model_providers.local]', 'name = "local"', `base_url = "${t.gateway.url}/v1"`, 'env_key = "OPENAI_API_KEY"', 'wire_api = "responses"', ''].join(
			'\n',
		),
	);
	const cwd = mkdtempSync(join(tmpdir(), 'codex-work-'));
	return run(agentBin('codex'), ['exec', '--skip-git-repo-check', prompt], { HOME: home, CODEX_HOME: codexHome, OPENAI_API_KEY: 'sk-placeholder' }, cwd).then(r => ({ ...r, codexHome }));
}

/** Codex's own account of the tokens of its last turn, from its session rollout file. */
function codexTokenCount(codexHome: string): Record<string, number> | undefined {
	const files: string[] = [];
	const walk = (d: string) => {
		for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.jsonl') && files.push(join(d, e.name));
	};
	if (existsSync(join(codexHome, 'sessions'))) walk(join(codexHome, 'sessions'));
	let last: Record<string, number> | undefined;
	for (const f of files)
		for (const line of readFileSync(f, 'utf8').split('\n')) {
			try {
				const v = JSON.parse(line) as { type?: string; payload?: { type?: string; info?: { last_token_usage?: Record<string, number> } } };
				if (v.payload?.type === 'token_count' && v.payload.info?.last_token_usage) last = v.payload.info.last_token_usage;
			} catch {
				// not a JSON line
			}
		}
	return last;
}

describe('real agents through the gateway (Claude Code, Codex)', function () {
	this.timeout(120_000);
	let fake: FakeProviderServer;
	before(async () => {
		agentBin('claude');
		agentBin('codex');
		fake = await startFakeProviderServer();
	});
	after(() => fake?.close());
	beforeEach(() => fake?.reset());

	async function gateway(mode: GatewayMode, settings: Record<string, unknown> = {}): Promise<TestGateway> {
		return startTestGateway(fake, { mode, settings: { 'agentCost.budget.runUsd': 20, ...settings } });
	}

	for (const mode of ['observe', 'enforce'] as const) {
		it(`Claude Code completes a tool-using task in ${mode} mode; every call is recorded, priced to what Claude Code itself reports`, async () => {
			const first: Usage = { input: 5000, cacheRead: 3000, cacheWrite5m: 1000, cacheWrite1h: 0, output: 20, reasoning: 0 };
			const second: Usage = { input: 5200, cacheRead: 4000, cacheWrite5m: 0, cacheWrite1h: 0, output: 9, reasoning: 0 };
			fake.enqueue(
				[
					{ type: 'reply', toolCalls: [{ id: 'toolu_01', name: 'Bash', arguments: { command: 'echo hi-from-tool', description: 'say hi' } }], usage: first },
					{ type: 'reply', text: 'Done: the tool said hi.', usage: second },
				],
				{ endpoint: 'messages' },
			);
			const t = await gateway(mode);
			try {
				const { result } = await claude(t, 'run echo hi-from-tool', ['--allowedTools', 'Bash(echo:*)']);
				assert.equal(result.is_error, false, JSON.stringify(result));
				assert.equal(result.result, 'Done: the tool said hi.');
				const toolResult = JSON.stringify((fake.requests[1]?.body as { messages: unknown[] }).messages);
				assert.match(toolResult, /hi-from-tool/, 'the tool really ran and its output went back');
				const [rec] = await eventually('the run’s recording', () => (t.recordings()[0]?.transcript.calls.length === 2 ? t.recordings() : undefined));
				assert.equal(rec.transcript.runId, `claude-code-${result.session_id}`);
				const calls = rec.transcript.calls;
				assert.deepEqual(
					calls.map(c => c.usage),
					[first, second],
				);
				const ours = calls.reduce((n, c) => n + (c.recordedCostUsd ?? NaN), 0);
				const model = calls[0].model;
				assert.ok(Math.abs(ours - (usd(model, first) + usd(model, second))) < 1e-12);
				assert.ok(Math.abs(ours - result.total_cost_usd) < 1e-9, `gateway $${ours} vs Claude Code's total_cost_usd $${result.total_cost_usd}`);
				assert.equal(calls[1].input?.kind, 'delta', 'the resent history is recorded as a delta of the thread');
				if (mode === 'enforce') assert.match(rec.text, /"kind":"gatewayDecision"/);
			} finally {
				await t.close();
			}
		});
	}

	it('a run budget stops Claude Code with the budget message in its output', async () => {
		const t = await gateway('observe', { 'agentCost.budget.runUsd': 0.01 });
		try {
			const { result } = await claude(t, 'say hello');
			assert.equal(result.is_error, true);
			assert.match(result.result, /Agent Cost gateway: A call to claude-[\w.-]+ could cost up to \$\d+\.\d+, but the run budget \(agentCost\.budget\.runUsd\) has \$0\.0100 left/);
			assert.equal(fake.requests.length, 0, 'nothing reached the provider');
		} finally {
			await t.close();
		}
	});

	for (const mode of ['observe', 'enforce'] as const) {
		it(`Codex completes in ${mode} mode over the Responses API; the recorded usage and cost match Codex’s own token count`, async () => {
			const usage: Usage = { input: 1200, cacheRead: 1024, cacheWrite5m: 0, cacheWrite1h: 0, output: 9, reasoning: 3 };
			fake.enqueue({ type: 'reply', text: 'Hello from the fake provider via Codex.', usage }, { endpoint: 'responses' });
			const t = await gateway(mode);
			try {
				const r = await codex(t, 'say hello');
				assert.equal(r.code, 0, r.stderr.slice(-2000));
				assert.match(r.stdout, /Hello from the fake provider via Codex\./);
				const [call] = await eventually('the recorded call', () => t.recordings()[0]?.transcript.calls);
				assert.deepEqual(call.usage, usage);
				assert.equal(call.recordedCostUsd, usd('gpt-5', usage));
				const own = codexTokenCount(r.codexHome);
				assert.deepEqual({ input: own?.input_tokens, cached: own?.cached_input_tokens, output: own?.output_tokens }, { input: 1200, cached: 1024, output: 9 });
				assert.equal(t.gateway.snapshot().runs[0]?.agent, 'codex');
			} finally {
				await t.close();
			}
		});
	}

	it('a run budget stops Codex with the budget message in its output', async () => {
		const t = await gateway('enforce', { 'agentCost.budget.runUsd': 0.001 });
		try {
			const r = await codex(t, 'say hello');
			assert.notEqual(r.code, 0);
			assert.match(r.stdout + r.stderr, /Agent Cost gateway: A call to gpt-5 could cost up to \$\d+\.\d+, but the run budget \(agentCost\.budget\.runUsd\) has \$0\.0010* left/);
			assert.equal(fake.requests.length, 0);
		} finally {
			await t.close();
		}
	});
});
