import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultEngineConfig } from '../../../../src/core/config/parseEngineConfig';
import type { TokenCounter } from '../../../../src/core/ports/tokenCounter';
import { createPriceCatalog, defaultPriceCatalog } from '../../../../src/core/pricing/catalog';
import type { Usage } from '../../../../src/core/pricing/usage';
import { comparisonCsv, comparisonJson, comparisonMarkdown, compareScenarios, sweepParameter } from '../../../../src/core/replay/comparison';
import { PreparedRun } from '../../../../src/core/replay/preparedRun';
import type { ReplayScenario } from '../../../../src/core/replay/scenario';
import { asRecordedScenario, parseScenario, productDefaultScenario } from '../../../../src/core/replay/scenario';
import { baselineOf, simulateScenario } from '../../../../src/core/replay/simulator';
import { countChat, countText } from '../../../../src/core/tokens/count';
import { accountTranscript } from '../../../../src/core/transcripts/accounting';
import { importTranscript } from '../../../../src/core/transcripts/importTranscript';
import type { LlmCall, Transcript, TranscriptMessage } from '../../../../src/core/transcripts/model';
import { transcriptsDir } from '../../../support/paths';

/** Every word is one token; a message costs 3 + its words; a chat adds 3 (easy to check by hand). */
const wordCounter: TokenCounter = {
	countText: (_m, text) => ({ tokens: text.split(/\s+/).filter(Boolean).length, exact: true, method: 'o200k_base' }),
	countChat: (_m, messages) => ({ tokens: 3 + messages.reduce((n, m) => n + 3 + m.content.split(/\s+/).filter(Boolean).length, 0), exact: true, method: 'o200k_base' }),
};
const words = (n: number, w = 'w') => Array.from({ length: n }, () => w).join(' ');
const msg = (role: string, n: number, w = 'w'): TranscriptMessage => ({ role, content: words(n, w) });

// USD per million tokens: easy arithmetic.
const catalog = createPriceCatalog({
	overrides: {
		'claude-test': { input: 10, output: 20, cacheRead: 1, cacheWrite: 12.5, cacheWrite1h: 20 },
		'cheap-test': { input: 1, output: 2 },
		'medium-test': { input: 5, output: 10 },
		'dear-test': { input: 50, output: 100 },
		'embed-test': { input: 0.02, output: 0 },
	},
});

/**
 * A run where every step sends the whole history: system (1000 words) + task, then per step an
 * assistant message (97 words) and a tool result (197 words). Recorded usage = visible + 500 hidden
 * tokens (tools), with a recorded cache split that the simulator must reproduce untouched.
 */
function agentRun(steps: number, model = 'claude-test', opts: { task?: string; gapSeconds?: number } = {}): Transcript {
	const history: TranscriptMessage[] = [msg('system', 1000, 's'), { role: 'user', content: opts.task ?? words(47, 't') }];
	const calls: LlmCall[] = [];
	let previousInput = 0;
	for (let i = 0; i < steps; i++) {
		if (i > 0) history.push(msg('assistant', 97, `a${i}`), msg('tool', 197, `r${i}`));
		const visible = wordCounter.countChat(model, history).tokens - 3;
		const input = visible + 500;
		const usage: Usage = { input, cacheRead: previousInput, cacheWrite5m: input - previousInput, cacheWrite1h: 0, output: 100, reasoning: 0 };
		previousInput = input;
		calls.push({
			index: i,
			model,
			modelSource: 'recorded',
			thread: 'main',
			input: { kind: 'full', messages: history.slice() },
			output: { text: words(100, `o${i}`), toolCalls: [] },
			startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i * (opts.gapSeconds ?? 10))).toISOString(),
			usage,
			usageSource: 'recorded',
			usageExact: true,
		});
	}
	return { format: 'http-recording', models: [model], calls, events: [], warnings: [], contentRetained: true, file: 'synthetic.json' };
}

const config = { ...defaultEngineConfig(), tiers: { cheap: 'cheap-test', medium: 'medium-test', expensive: 'dear-test' } };
const prepare = (t: Transcript, counter: TokenCounter = wordCounter) => new PreparedRun(t, { counter, catalog });
const scenario = (patch: (s: ReplayScenario) => ReplayScenario) => patch(asRecordedScenario(config));

describe('replay simulator: hand-checked runs', () => {
	it('as recorded reproduces the recorded usage and cost exactly, step by step', async () => {
		const run = prepare(agentRun(6));
		const base = baselineOf(run);
		const r = await simulateScenario(run, asRecordedScenario(config));
		assert.equal(r.steps, 6);
		assert.equal(r.costUsd, base.costUsd);
		assert.ok(r.perStep.every(p => p.recorded && p.cache === 'asRecorded'));
		// Step 2 by hand: input = 1003 + 50 + 100 + 200 + 500 hidden = 1853, of which 1553 read
		// (the whole step-1 prompt), 300 written; output 100.
		const s2 = r.perStep[1];
		assert.deepEqual(s2.usage, { input: 1853, cacheRead: 1553, cacheWrite5m: 300, cacheWrite1h: 0, output: 100, reasoning: 0 });
		const usd = (300 * 12.5 + 1553 * 1 + 100 * 20) / 1e6;
		assert.ok(Math.abs((s2.costUsd ?? 0) - usd) < 1e-12);
	});

	it('fixed routing to another model prices the same tokens at its prices (no cache for an unknown vendor)', async () => {
		const run = prepare(agentRun(3));
		const r = await simulateScenario(
			run,
			scenario(s => ({ ...s, name: 'cheap', routing: { ...s.routing, mode: 'fixed', model: 'cheap-test' } })),
		);
		// Same tokenizer (word counter) → same input; step 1 = 1553, step 2 = 1853, step 3 = 2153.
		assert.deepEqual(
			r.perStep.map(p => p.usage.input),
			[1553, 1853, 2153],
		);
		assert.ok(r.perStep.every(p => p.cache === 'noCache' && p.usage.cacheRead === 0 && p.outputEstimated));
		const expected = ((1553 + 1853 + 2153) * 1 + 3 * 100 * 2) / 1e6;
		assert.ok(Math.abs(r.costUsd! - expected) < 1e-12, `${r.costUsd!} vs ${expected}`);
	});

	it('tiered routing sends a simple extraction task to the cheap tier and explains why', async () => {
		const run = prepare(agentRun(2, 'claude-test', { task: 'Extract the list of invoice numbers from this text.' }));
		const r = await simulateScenario(
			run,
			scenario(s => ({ ...s, name: 'tiered', routing: { ...s.routing, mode: 'tiered' } })),
		);
		assert.equal(r.perStep[0].model, 'cheap-test');
		assert.equal(r.perStep[0].tier, 'cheap');
		assert.ok(r.perStep[0].routing.length > 0);
	});

	it('compression fires at the step the trigger predicts and the prompt cache loses the history, keeping the system prefix', async () => {
		// Visible tokens per step: 1053 + 300 × (step − 1). With a 2000-token trigger (scenario input
		// = visible + 500 hidden) the first step over it is step 3 (1053 + 600 + 500 = 2153).
		const run = prepare(agentRun(5));
		const r = await simulateScenario(
			run,
			scenario(s => ({ ...s, name: 'truncate', compression: { ...s.compression, strategy: 'truncate', maxTokensBeforeCompression: 2000, tokensToKeepRecent: 350, contextWindowTriggerRatio: 1 } })),
		);
		const compressedAt = r.perStep.filter(p => p.compression).map(p => p.step);
		assert.equal(compressedAt[0], 3);
		const s3 = r.perStep[2];
		assert.equal(s3.compression!.tokensBefore, 2153);
		assert.ok(s3.compression!.tokensAfter < s3.compression!.tokensBefore);
		// Steps 1–2 are untouched: recorded numbers.
		assert.ok(r.perStep[0].recorded && r.perStep[1].recorded);
		// Step 3: the history changed after the task message; the unchanged prefix (tools head 500 +
		// system 1003 + task 50, written as step 1's final breakpoint 20 s earlier) is still read.
		assert.equal(s3.recorded, false);
		assert.equal(s3.cache, 'hit');
		assert.equal(s3.usage.cacheRead, 1553);
		assert.equal(s3.usage.cacheWrite5m, s3.usage.input - 1553);
		// Step 4 is over the trigger again (1,853 + 300 > 2,000): the same sawtooth, the same read.
		assert.equal(r.perStep[3].compression?.tokensBefore, s3.usage.input + 300);
		assert.equal(r.perStep[3].usage.cacheRead, 1553);
	});

	it('a breakpoint after the system prompt keeps it cached when a later compression rewrites the history', async () => {
		// One step a minute: step 1's entry (system + task) expires after 5 minutes; the compression
		// at step 8 then finds only what a breakpoint refreshed on every step.
		const run = prepare(agentRun(9, 'claude-test', { gapSeconds: 60 }));
		const compress = (s: ReplayScenario): ReplayScenario['compression'] => ({
			...s.compression,
			strategy: 'truncate',
			maxTokensBeforeCompression: 3500,
			tokensToKeepRecent: 350,
			contextWindowTriggerRatio: 1,
		});
		const withBp = await simulateScenario(
			run,
			scenario(s => ({ ...s, name: 'bp', compression: compress(s) })),
		);
		const at = withBp.perStep.findIndex(p => p.compression);
		assert.equal(withBp.perStep[at].step, 8);
		assert.equal(withBp.perStep[at].usage.cacheRead, 500 + 1003);
		const noBp = await simulateScenario(
			run,
			scenario(s => ({ ...s, name: 'no bp', compression: compress(s), promptCache: { ...s.promptCache, systemBreakpoint: false } })),
		);
		assert.equal(noBp.perStep[at].usage.cacheRead, 0);
		assert.equal(noBp.perStep[at].cache, 'expired');
		assert.ok(noBp.costUsd! > withBp.costUsd!);
	});

	it('a compression that saves tokens can cost more once the cache is accounted for', async () => {
		// Every step compresses (tiny trigger): the history is rewritten each time, so nothing but the
		// head is ever read from the cache and every compressed prompt is written again at 1.25×.
		const run = prepare(agentRun(12));
		const base = baselineOf(run);
		const r = await simulateScenario(
			run,
			scenario(s => ({ ...s, name: 'aggressive', compression: { ...s.compression, strategy: 'window', windowMessages: 3, maxTokensBeforeCompression: 1, contextWindowTriggerRatio: 1 } })),
		);
		assert.ok(r.inputTokens < base.inputTokens, 'fewer tokens sent');
		assert.ok(r.costUsd! > base.costUsd!, `but dearer: ${r.costUsd!} vs ${base.costUsd!}`);
	});

	it('a hard run budget stops the run at the first step whose worst case would pass it', async () => {
		const run = prepare(agentRun(10));
		// Worst case of step n = input × 12.5 (write price) + 2048 × 20, per million tokens.
		const worst = (input: number) => (input * 12.5 + 2048 * 20) / 1e6;
		const r = await simulateScenario(
			run,
			scenario(s => ({ ...s, name: 'hard', budget: { ...s.budget, enabled: true, policy: 'hard', runUsd: 0.15, warnThreshold: 0.8, maxSteps: 0, maxOutputTokens: 2048 } })),
		);
		assert.ok(r.stoppedAtStep !== null);
		const stop = r.stoppedAtStep!;
		const spentBefore = r.perStep[stop - 2].cumulativeUsd;
		const inputAtStop = 1553 + 300 * (stop - 1);
		assert.ok(spentBefore + worst(inputAtStop) > 0.15, 'the refused step would have passed the limit');
		const prevInput = 1553 + 300 * (stop - 2);
		const spentBeforePrev = stop > 2 ? r.perStep[stop - 3].cumulativeUsd : 0;
		assert.ok(spentBeforePrev + worst(prevInput) <= 0.15, 'the step before fitted');
		assert.equal(r.steps, stop - 1);
		assert.ok(r.costUsd! <= 0.15);
		assert.ok(
			r.perStep.some(p => p.budget?.kind === 'warn'),
			'warned at 80% first',
		);
	});

	it('a soft budget downgrades to a cheaper tier instead of stopping', async () => {
		const run = prepare(agentRun(10));
		const r = await simulateScenario(
			run,
			scenario(s => ({
				...s,
				name: 'soft',
				routing: { ...s.routing, mode: 'fixed', model: 'dear-test' },
				budget: { ...s.budget, enabled: true, policy: 'soft', runUsd: 1, warnThreshold: 0.8, maxSteps: 0, maxOutputTokens: 2048 },
			})),
		);
		const downgrade = r.perStep.find(p => p.budget?.kind === 'downgrade');
		assert.ok(downgrade, 'a downgrade happened');
		assert.notEqual(downgrade.model, 'dear-test');
		assert.ok(r.costUsd! <= 1);
	});

	it('the recursion limit stops the run after maxSteps steps', async () => {
		const run = prepare(agentRun(8));
		const r = await simulateScenario(
			run,
			scenario(s => ({ ...s, name: 'steps', budget: { ...s.budget, enabled: true, policy: 'hard', runUsd: 0, maxSteps: 5 } })),
		);
		assert.equal(r.stoppedAtStep, 6);
		assert.equal(r.steps, 5);
	});

	it('the response cache answers a repeated identical request for free', async () => {
		const t = agentRun(3);
		const calls = [...t.calls, { ...t.calls[2], index: 3, startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 40)).toISOString() }];
		const run = prepare({ ...t, calls });
		const r = await simulateScenario(
			run,
			scenario(s => ({ ...s, name: 'cache', cache: { ...s.cache, enabled: true, ttlSeconds: 3600 } })),
		);
		assert.equal(r.perStep[3].cache, 'responseCache');
		assert.equal(r.perStep[3].costUsd, 0);
		// A cache hit makes no provider call, so it does not count toward the step limit (as live).
		const limited = await simulateScenario(
			run,
			scenario(s => ({ ...s, name: 'cache + limit', cache: { ...s.cache, enabled: true, ttlSeconds: 3600 }, budget: { ...s.budget, enabled: true, policy: 'hard', runUsd: 0, maxSteps: 3 } })),
		);
		assert.equal(limited.stoppedAtStep, null);
		assert.equal(limited.steps, 4);
	});

	it("the recording's own side calls (summary, embedding) keep their recorded cost in every scenario, are never routed and are not steps", async () => {
		const plain = agentRun(6);
		const side = (purpose: 'summary' | 'embedding', model: string, input: number, output: number, at: string): LlmCall => ({
			index: 0,
			model,
			modelSource: 'recorded',
			thread: purpose,
			purpose,
			startedAt: at,
			usage: { input, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output, reasoning: 0 },
			usageSource: 'recorded',
			usageExact: true,
		});
		const calls = [...plain.calls];
		calls.splice(4, 0, side('summary', 'cheap-test', 3000, 600, calls[4].startedAt!));
		calls.splice(2, 0, side('embedding', 'embed-test', 50_000, 0, calls[2].startedAt!));
		const withSide: Transcript = { ...plain, calls: calls.map((c, index) => ({ ...c, index })) };
		const sideUsd = (3000 * 1 + 600 * 2) / 1e6 + (50_000 * 0.02) / 1e6;

		const run = prepare(withSide);
		const asRecorded = await simulateScenario(run, asRecordedScenario(config));
		assert.equal(asRecorded.steps, 6, 'side calls are not steps');
		assert.equal(baselineOf(run).steps, 6);
		assert.deepEqual(
			asRecorded.perStep.map(p => [p.step, p.thread]),
			[
				[1, 'main'],
				[2, 'main'],
				[3, 'embedding'],
				[3, 'main'],
				[4, 'main'],
				[5, 'summary'],
				[5, 'main'],
				[6, 'main'],
			],
			'a side call carries the number of the step it was made for',
		);
		assert.ok(Math.abs(asRecorded.costUsd! - baselineOf(run).costUsd!) < 1e-12, 'the baseline identity holds with side calls');

		for (const s of [
			scenario(x => ({ ...x, name: 'fixed', routing: { ...x.routing, mode: 'fixed', model: 'medium-test' } })),
			scenario(x => ({ ...x, name: 'truncate', compression: { ...x.compression, strategy: 'truncate', maxTokensBeforeCompression: 1500, tokensToKeepRecent: 600 } })),
		]) {
			const a = await simulateScenario(prepare(plain), s);
			const b = await simulateScenario(run, s);
			const sideRows = b.perStep.filter(p => p.thread !== 'main');
			assert.deepEqual(
				sideRows.map(p => [p.model, p.recorded, p.costUsd]),
				[
					['embed-test', true, (50_000 * 0.02) / 1e6],
					['cheap-test', true, (3000 * 1 + 600 * 2) / 1e6],
				],
				s.name,
			);
			// The agent's own steps (and the prompt cache across them) are exactly as without the side calls.
			assert.deepEqual(
				b.perStep.filter(p => p.thread === 'main').map(p => [p.model, p.usage, p.costUsd]),
				a.perStep.map(p => [p.model, p.usage, p.costUsd]),
				s.name,
			);
			assert.ok(Math.abs(b.costUsd! - (a.costUsd! + sideUsd)) < 1e-12, s.name);
		}
		// The step limit counts agent calls only: 6 steps fit a limit of 6.
		const limited = await simulateScenario(
			run,
			scenario(x => ({ ...x, name: 'limit', budget: { ...x.budget, enabled: true, policy: 'hard', runUsd: 0, maxSteps: 6 } })),
		);
		assert.equal(limited.stoppedAtStep, null);
	});

	it('is deterministic', async () => {
		const run = prepare(agentRun(9));
		const s = productDefaultScenario(config);
		assert.deepEqual(await simulateScenario(run, s), await simulateScenario(run, s));
	});

	it('can be cancelled', async () => {
		const run = prepare(agentRun(120));
		const ac = new AbortController();
		ac.abort();
		await assert.rejects(simulateScenario(run, productDefaultScenario(config), { signal: ac.signal }), (e: Error) => e.name === 'CancelledError');
	});
});

describe('replay comparison, sweep and exports', () => {
	it('compares scenarios, sweeps a parameter and exports Markdown, CSV and JSON', async () => {
		const run = prepare(agentRun(8));
		const a = scenario(s => ({ ...s, name: 'cheap | model', routing: { ...s.routing, mode: 'fixed', model: 'cheap-test' } }));
		const c = await compareScenarios(run, [asRecordedScenario(config), a]);
		assert.equal(c.baseline.kind, 'recorded');
		assert.equal(c.scenarios[0].costUsd, c.baseline.costUsd);
		const json = comparisonJson(c) as { baseline: { costUsd: number; steps: number }; scenarios: { name: string; perStep: unknown[]; stoppedAtStep: null }[] };
		assert.equal(json.baseline.steps, 8);
		assert.equal(json.scenarios[1].name, 'cheap | model');
		assert.equal(json.scenarios[1].perStep.length, 8);
		const md = comparisonMarkdown(c);
		assert.match(md, /cheap \\\| model/);
		const csv = comparisonCsv(c).trim().split('\r\n');
		assert.equal(csv.length, 1 + 16);
		const sweep = await sweepParameter(
			run,
			scenario(s => ({ ...s, compression: { ...s.compression, strategy: 'truncate', contextWindowTriggerRatio: 1 } })),
			'compression.maxTokensBeforeCompression',
			[2000, 4000, 100000],
		);
		assert.equal(sweep.points.length, 3);
		// A trigger above every prompt never compresses: cost equals the baseline.
		assert.equal(sweep.points[2].costUsd, c.baseline.costUsd);
		assert.ok(sweep.best !== null);
	});

	it('parses settings totally, reporting every bad value', () => {
		const base = asRecordedScenario(config);
		const { scenario: settings, problems } = parseScenario({ name: 'x', budget: { runUsd: -1, policy: 'nope' }, compression: { strategy: 'window' }, extra: 1 }, base);
		assert.equal(settings.name, 'x');
		assert.equal(settings.compression.strategy, 'window');
		assert.equal(settings.budget.runUsd, base.budget.runUsd);
		assert.equal(settings.budget.policy, base.budget.policy);
		assert.equal(problems.length, 3);
		assert.ok(problems.some(p => p.includes('budget.runUsd')));
		assert.deepEqual(parseScenario('not an object', base).scenario, base);
	});
});

describe('replay on the shared real transcripts', () => {
	const counter: TokenCounter = { countText, countChat };
	const files = readdirSync(transcriptsDir()).flatMap(d => (d.endsWith('.md') ? [] : readdirSync(join(transcriptsDir(), d)).map(f => join(transcriptsDir(), d, f))));
	it('finds all 25 transcripts', () => assert.equal(files.length, 25));
	for (const file of files) {
		it(`the baseline is the report's number; as recorded = baseline where usage is recorded: ${file.split('/').pop()}`, async () => {
			const t = importTranscript(readFileSync(file, 'utf8'), { file, counter });
			const catalog = defaultPriceCatalog();
			const run = new PreparedRun(t, { counter, catalog });
			const c = await compareScenarios(run, [asRecordedScenario(defaultEngineConfig()), productDefaultScenario(defaultEngineConfig())]);
			// `agent-cost report` and the replay baseline agree to the cent — or both say "no price".
			const report = accountTranscript(t, catalog);
			if (report.computedComplete && report.computedUsd !== null)
				assert.equal(Math.round(c.baseline.costUsd! * 100), Math.round(report.computedUsd * 100), `baseline ${c.baseline.costUsd} vs report ${report.computedUsd}`);
			else assert.equal(c.baseline.costUsd, null, 'a run with unpriced calls has no baseline cost, never $0');
			const asRecorded = c.scenarios[0]!;
			if (c.baseline.kind === 'recorded') {
				// Recorded usage: the identity is exact.
				assert.equal(asRecorded.costUsd, c.baseline.costUsd);
			} else {
				// Counted calls: the baseline prices them as counted (no cache); the scenario simulates the
				// provider's cache for them and says so.
				assert.ok(c.baseline.note?.includes('priced without a prompt cache'));
				assert.ok(asRecorded.notes.some(n => /counted \(not recorded\) usage/.test(n)));
			}
			assert.equal(asRecorded.steps, t.calls.length);
			// The product defaults always produce a full, priced or explicitly unpriced, per-step table.
			const d = c.scenarios[1]!;
			assert.equal(d.perStep.length + (d.stoppedAtStep === null ? 0 : t.calls.length - d.perStep.length), t.calls.length);
			assert.ok(d.perStep.every(p => p.costUsd === null || p.costUsd >= 0));
			assert.ok(d.costUsd === null ? d.unpriced !== undefined : d.unpricedSteps === 0, 'an unknown scenario cost says why');
		});
	}

	it("a run that mixes recorded and counted calls keeps the recorded calls' own cache reads", async () => {
		const config = defaultEngineConfig();
		const recorded = (i: number): LlmCall => ({
			index: i,
			model: 'gpt-4o',
			modelSource: 'recorded',
			thread: 'main',
			input: { kind: 'full', messages: [{ role: 'user', content: `task ${'word '.repeat(2000)}` }, ...Array.from({ length: i }, (_, k) => ({ role: 'assistant', content: `step ${k}` }))] },
			usage: { input: 4000 + i * 10, cacheRead: i > 0 ? 3800 : 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 50, reasoning: 0 },
			usageSource: i === 2 ? 'counted' : 'recorded',
			usageExact: i !== 2,
		});
		const t: Transcript = { format: 'http-recording', models: ['gpt-4o'], calls: [0, 1, 2, 3, 4].map(recorded), events: [], warnings: [], contentRetained: true };
		const run = new PreparedRun(t, { counter, catalog: defaultPriceCatalog() });
		const r = await simulateScenario(run, asRecordedScenario(config));
		for (const i of [0, 1, 3, 4]) {
			assert.equal(r.perStep[i]!.recorded, true, `call ${i} keeps its recorded usage`);
			assert.equal(r.perStep[i]!.usage.cacheRead, t.calls[i]!.usage.cacheRead);
		}
		assert.equal(r.perStep[2]!.recorded, false, 'the counted call is simulated');
	});

	it('tool-output truncation reaches observations wherever the format puts them, and a setting that changes nothing says why', async () => {
		const config = defaultEngineConfig();
		const base = asRecordedScenario(config);
		const withLimit = (n: number): ReplayScenario => ({ ...base, name: `tool outputs ≤ ${n}`, compression: { ...base.compression, toolResponseMaxTokens: n } });
		// mini-SWE-agent sends observations as user messages; Claude Code as tool_result blocks in user turns.
		for (const name of ['mini_swe_agent/mswea_gemini3pro_pallets__flask-5014.traj.json', 'claude_code/spotter_tool_heavy.jsonl']) {
			const file = join(transcriptsDir(), name);
			const t = importTranscript(readFileSync(file, 'utf8'), { file, counter });
			const run = new PreparedRun(t, { counter, catalog: defaultPriceCatalog() });
			const [asRecorded, cut, loose] = await Promise.all([simulateScenario(run, base), simulateScenario(run, withLimit(500)), simulateScenario(run, withLimit(1_000_000))]);
			assert.ok(cut.inputTokens < asRecorded.inputTokens, `${name}: truncating tool outputs to 500 tokens shrinks the prompts (${cut.inputTokens} vs ${asRecorded.inputTokens})`);
			assert.ok(
				cut.perStep.some(step => step.decision?.rules.includes('compress.toolOutputs')),
				`${name}: the steps say what was truncated`,
			);
			assert.equal(loose.inputTokens, asRecorded.inputTokens);
			assert.ok(
				loose.notes.some(n => /changed nothing: the longest of \d+ observation\(s\) is [\d,]+ tokens/.test(n)),
				`${name}: ${loose.notes.join(' | ')}`,
			);
		}
	});
});
