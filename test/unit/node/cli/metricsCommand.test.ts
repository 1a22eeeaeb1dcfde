import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiveCallRecord } from '../../../../src/core/live/liveCallRecord';
import { cliCommands } from '../../../../src/node/cli/commands';
import { JsonlCallRecorder } from '../../../../src/node/jsonlCallRecorder';
import { parsePrometheusText, sampleValue } from '../../../support/prometheusText';
import { runCliCaptured } from '../../../support/cliRun';

const run = (argv: string[], cwd: string) => runCliCaptured(argv, cwd);

const usage = (input: number, cacheRead: number, output: number) => ({ input, cacheRead, cacheWrite5m: 0, cacheWrite1h: 0, output, reasoning: 0 });

function call(id: string, fields: Partial<LiveCallRecord>): LiveCallRecord {
	return {
		kind: 'liveCall',
		v: 1,
		id,
		runId: 'run-a',
		startedAt: '2026-03-01T10:00:00.000Z',
		endedAt: '2026-03-01T10:00:02.000Z',
		status: 'ok',
		provider: 'openai',
		model: 'gpt-4o-mini',
		messages: [{ role: 'user', content: 'hi' }],
		params: { maxOutputTokens: 100 },
		costEstimated: false,
		latencyMs: 2000,
		attempts: [],
		explanation: [],
		...fields,
	};
}

describe('agent-cost metrics', () => {
	let dir: string;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'agent-cost-metrics-'));
	});
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	async function writeRun(file: string, records: LiveCallRecord[]): Promise<void> {
		const rec = new JsonlCallRecorder(file, { fsync: false });
		for (const r of records) await rec.append(r);
	}

	it('is registered', () => {
		assert.ok(cliCommands.some(c => c.name === 'metrics'));
	});

	it("computes the live endpoint's metric families from recordings in a folder (one run per file)", async () => {
		mkdirSync(join(dir, 'recs', 'nested'), { recursive: true });
		await writeRun(join(dir, 'recs', 'a.agent-cost.jsonl'), [
			call('1', { usage: usage(1000, 600, 100), usageSource: 'provider', costUsd: 0.0123 }),
			call('2', { status: 'cacheHit', cache: 'exact', startedAt: '2026-03-01T10:00:05.000Z', endedAt: '2026-03-01T10:00:05.010Z', latencyMs: 10 }),
			call('3', { status: 'refused', error: { kind: 'budget', reason: 'daily', message: 'daily budget' } }),
			call('4', {
				status: 'cancelled',
				usage: usage(1000, 0, 20),
				usageSource: 'estimated',
				costUsd: 0.001,
				costEstimated: true,
				startedAt: '2026-03-01T10:01:00.000Z',
				endedAt: '2026-03-01T10:01:40.000Z',
			}),
		]);
		await writeRun(join(dir, 'recs', 'nested', 'b.agent-cost.jsonl'), [
			call('5', { runId: 'run-b', model: 'claude-opus-4-6', provider: 'anthropic', usage: usage(5000, 4000, 300), usageSource: 'provider', costUsd: 0.02 }),
		]);
		writeFileSync(join(dir, 'recs', 'notes.txt'), 'not a recording');

		const r = await run(['metrics', 'recs'], dir);
		assert.equal(r.stderr, '');
		assert.equal(r.code, 0);
		const p = parsePrometheusText(r.stdout);
		assert.ok(Math.abs(sampleValue(p, 'agent_cost_usd_total', { model: 'gpt-4o-mini' })! - 0.0133) < 1e-12);
		assert.equal(sampleValue(p, 'agent_cost_usd_total', { model: 'claude-opus-4-6' }), 0.02);
		assert.equal(sampleValue(p, 'agent_cost_tokens_total', { model: 'gpt-4o-mini', direction: 'cache_read' }), 600);
		assert.equal(sampleValue(p, 'agent_cost_tokens_total', { model: 'gpt-4o-mini', direction: 'input' }), 400 + 1000);
		assert.equal(sampleValue(p, 'agent_cost_calls_total', { model: 'gpt-4o-mini', status: 'ok' }), 1);
		assert.equal(sampleValue(p, 'agent_cost_calls_total', { model: 'gpt-4o-mini', status: 'cache_hit' }), 1);
		assert.equal(sampleValue(p, 'agent_cost_calls_total', { model: 'gpt-4o-mini', status: 'cancelled' }), 1);
		assert.equal(sampleValue(p, 'agent_cost_budget_events_total', { kind: 'refused', scope: 'day' }), 1);
		// A refused request counts as a call with status budget_refused, as the live endpoint counts it.
		assert.equal(sampleValue(p, 'agent_cost_calls_total', { model: 'gpt-4o-mini', status: 'budget_refused' }), 1);
		assert.equal(sampleValue(p, 'agent_cost_call_duration_seconds_bucket', { model: 'gpt-4o-mini', le: '2.5' }), 3);
		assert.equal(sampleValue(p, 'agent_cost_run_duration_seconds_count'), 2);
		assert.equal(sampleValue(p, 'agent_cost_run_duration_seconds_sum'), 100 + 2, 'run a: 10:00:00 → 10:01:40; run b: 2 s');
	});

	it('--json gives the same numbers as data, with the files read', async () => {
		await writeRun(join(dir, 'x.agent-cost.jsonl'), [call('1', { usage: usage(10, 0, 5), usageSource: 'provider', costUsd: 0.5 })]);
		const r = await run(['metrics', 'x.agent-cost.jsonl', '--json'], dir);
		assert.equal(r.code, 0);
		const out = JSON.parse(r.stdout) as { files: { file: string; calls: number }[]; metrics: { name: string; samples: { labels: Record<string, string>; value: number }[] }[] };
		assert.deepEqual(
			out.files.map(f => [f.file, f.calls]),
			[['x.agent-cost.jsonl', 1]],
		);
		assert.deepEqual(
			out.metrics.find(m => m.name === 'agent_cost_usd_total')?.samples.map(s => [s.labels.model, s.value]),
			[['gpt-4o-mini', 0.5]],
		);
	});

	it('a call recorded without a cost is priced with the catalog; an unknown model is counted as unpriced', async () => {
		await writeRun(join(dir, 'y.agent-cost.jsonl'), [
			call('1', { model: 'gpt-4o', usage: usage(1_000_000, 0, 0), usageSource: 'provider' }),
			call('2', { model: 'my-local-model', usage: usage(100, 0, 10), usageSource: 'provider' }),
		]);
		const p = parsePrometheusText((await run(['metrics', 'y.agent-cost.jsonl'], dir)).stdout);
		assert.equal(sampleValue(p, 'agent_cost_usd_total', { model: 'gpt-4o' }), 2.5, 'gpt-4o input is $2.50 per million');
		assert.equal(sampleValue(p, 'agent_cost_unpriced_calls_total', { model: 'my-local-model' }), 1);
	});

	it('an unreadable file is reported and exits 1, the rest is still counted; no arguments exits 2', async () => {
		await writeRun(join(dir, 'ok.agent-cost.jsonl'), [call('1', { usage: usage(10, 0, 5), usageSource: 'provider', costUsd: 0.25 })]);
		writeFileSync(join(dir, 'bad.agent-cost.jsonl'), 'this is not json\n');
		const r = await run(['metrics', 'ok.agent-cost.jsonl', 'bad.agent-cost.jsonl', 'missing.jsonl'], dir);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /bad\.agent-cost\.jsonl: /);
		assert.match(r.stderr, /missing\.jsonl: no such file or folder/);
		assert.equal(sampleValue(parsePrometheusText(r.stdout), 'agent_cost_usd_total', { model: 'gpt-4o-mini' }), 0.25);
		const none = await run(['metrics'], dir);
		assert.equal(none.code, 2);
		assert.match(none.stderr, /at least one recording/);
	});
});
