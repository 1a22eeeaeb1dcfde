import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultEngineConfig } from '../../../../src/core/config/parseEngineConfig';
import { defaultPriceCatalog } from '../../../../src/core/pricing/catalog';
import { comparisonCsv, comparisonJson, comparisonMarkdown, compareScenarios } from '../../../../src/core/replay/comparison';
import { PreparedRun } from '../../../../src/core/replay/preparedRun';
import { distinctiveTerms } from '../../../../src/core/replay/references';
import { asRecordedScenario, parseScenario, type ReplayScenario } from '../../../../src/core/replay/scenario';
import { simulateScenario } from '../../../../src/core/replay/simulator';
import { tokenCounter } from '../../../../src/core/tokens/count';
import { importTranscript } from '../../../../src/core/transcripts/importTranscript';
import type { LlmCall, Transcript, TranscriptMessage } from '../../../../src/core/transcripts/model';
import { transcriptsDir } from '../../../support/paths';

const catalog = defaultPriceCatalog();
const config = defaultEngineConfig();
const model = 'gpt-4o';

function scenario(raw: unknown): ReplayScenario {
	const { scenario, problems } = parseScenario(raw, asRecordedScenario(config));
	assert.deepEqual(problems, []);
	return scenario;
}

const filler = (n: number) => 'plain words of output that name nothing in particular\n'.repeat(n);

/**
 * A mini-SWE-agent-shaped run: each step the agent runs one command (a bash block) and sees its
 * output. `outputs[i]` is what step i's command printed; `actions[i]` the command step i answers with.
 */
function shellRun(task: string, actions: readonly string[], outputs: readonly string[]): Transcript {
	const history: TranscriptMessage[] = [
		{ role: 'system', content: 'You are an agent that runs bash commands.' },
		{ role: 'user', content: task },
	];
	const calls: LlmCall[] = actions.map((cmd, i) => {
		if (i > 0) {
			history.push({ role: 'assistant', content: `THOUGHT: next.\n\n\`\`\`bash\n${actions[i - 1]}\n\`\`\`` });
			history.push({ role: 'user', content: `<returncode>0</returncode>\n<output>\n${outputs[i - 1]}\n</output>`, observation: true });
		}
		return {
			index: i,
			model,
			modelSource: 'recorded',
			thread: 'main',
			input: { kind: 'full', messages: history.slice() },
			output: { text: `THOUGHT: next.\n\n\`\`\`bash\n${cmd}\n\`\`\``, toolCalls: [] },
			startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i * 10)).toISOString(),
			usage: { input: tokenCounter.countChat(model, history).tokens, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 30, reasoning: 0 },
			usageSource: 'counted',
			usageExact: false,
		};
	});
	return { format: 'mini-swe-agent', models: [model], calls, events: [], warnings: [], contentRetained: true, file: 'shell-run' };
}

// Step 1 lists the repository (the only place src/pkg/hidden_module.py appears); step 5 opens that file.
const actions = ['ls -R', 'cat README.md', 'cat setup.cfg', 'python -V', 'cat src/pkg/hidden_module.py', 'echo done'];
const outputs = [`src/pkg/hidden_module.py\n${filler(40)}`, filler(40), filler(40), filler(40), filler(40), 'done'];
const masking = scenario({ name: 'mask', compression: { strategy: 'observationMask', keepObservations: 1, maskEverySteps: 1 } });

describe('replay: what a scenario risks', () => {
	it('as recorded risks nothing', async () => {
		const run = new PreparedRun(shellRun('Fix the bug.', actions, outputs), { counter: tokenCounter, catalog });
		const r = await simulateScenario(run, asRecordedScenario(config));
		assert.deepEqual(r.risk, { modelChangedSteps: 0, modelChangedTo: {}, observationsElided: 0, elidedReferencedLater: 0, contextTokensDropped: 0, semanticCacheHits: 0, budgetStopStep: null });
		assert.ok(r.perStep.every(p => p.risk === undefined));
	});

	it('an elided observation whose path a later answer uses, and that nothing shown still holds, was needed later', async () => {
		const run = new PreparedRun(shellRun('Fix the bug.', actions, outputs), { counter: tokenCounter, catalog });
		const r = await simulateScenario(run, masking);
		assert.equal(r.risk.observationsElided, 4, 'every observation but the newest, by the last step');
		assert.equal(r.risk.elidedReferencedLater, 1);
		const needed = r.perStep.find(p => p.risk?.elidedReferenced);
		assert.equal(needed?.step, 5, 'the step whose answer opens the listed file');
		assert.equal(r.perStep[2]!.risk?.observationsElided, 1, 'step 3 masked the listing');
		assert.ok(r.risk.contextTokensDropped > 0);
		assert.equal(
			r.risk.contextTokensDropped,
			r.perStep.reduce((n, p) => n + (p.risk?.contextTokensDropped ?? 0), 0),
			'the total is the sum of the steps',
		);
	});

	it('a string the scenario still shows elsewhere (the task names the file) is not counted', async () => {
		const run = new PreparedRun(shellRun('Fix the bug in src/pkg/hidden_module.py.', actions, outputs), { counter: tokenCounter, catalog });
		const r = await simulateScenario(run, masking);
		assert.equal(r.risk.observationsElided, 4);
		assert.equal(r.risk.elidedReferencedLater, 0);
		// Keeping more observations whole keeps the listing in view at step 5.
		const wide = await simulateScenario(new PreparedRun(shellRun('Fix the bug.', actions, outputs), { counter: tokenCounter, catalog }), {
			...masking,
			compression: { ...masking.compression, keepObservations: 4 },
		});
		assert.equal(wide.risk.elidedReferencedLater, 0);
	});

	it('counts steps moved to another model by tier, and the step a budget stopped the run at', async () => {
		const run = new PreparedRun(shellRun('Fix the bug.', actions, outputs), { counter: tokenCounter, catalog });
		const mini = await simulateScenario(run, scenario({ name: 'mini', routing: { mode: 'fixed', model: 'gpt-4o-mini' }, tiers: { cheap: 'gpt-4o-mini' } }));
		assert.equal(mini.risk.modelChangedSteps, 6);
		assert.deepEqual(mini.risk.modelChangedTo, { cheap: 6 });
		const capped = await simulateScenario(run, scenario({ name: 'steps', budget: { enabled: true, maxSteps: 3, runUsd: 0 } }));
		assert.equal(capped.risk.budgetStopStep, 4);
		assert.equal(capped.risk.budgetStopStep, capped.stoppedAtStep);
	});

	it('truncated tool outputs count as elided, with the tokens they drop', async () => {
		const run = new PreparedRun(shellRun('Fix the bug.', actions, outputs), { counter: tokenCounter, catalog });
		const r = await simulateScenario(run, scenario({ name: 'cut', compression: { toolResponseMaxTokens: 100 } }));
		assert.equal(r.risk.observationsElided, 5, 'the five long outputs');
		assert.ok(r.risk.contextTokensDropped > 4 * 200);
	});

	it('on a real run: masking, truncation and summaries elide observations, the risk columns are in every export', async () => {
		const file = join(transcriptsDir(), 'mini_swe_agent', 'mswea_gemini3pro_pallets__flask-5014.traj.json');
		const transcript = importTranscript(readFileSync(file, 'utf8'), { file, counter: tokenCounter });
		const run = new PreparedRun(transcript, { counter: tokenCounter, catalog });
		const c = await compareScenarios(run, [
			masking,
			scenario({ name: 'mask K=5', compression: { strategy: 'observationMask', keepObservations: 3, maskEverySteps: 5 } }),
			scenario({ name: 'truncate', compression: { strategy: 'truncate', maxTokensBeforeCompression: 8000, tokensToKeepRecent: 2000 } }),
		]);
		for (const s of c.scenarios) assert.ok(s.risk.observationsElided > 0, s.name);
		// The trade masking makes is said in words: input saved against cache reads lost.
		assert.ok(
			c.scenarios[0]!.notes.some(n =>
				/^observation masking rewrote the prompt at \d+ step\(s\) \(a batch every 1 steps, the last 1 observations kept whole\): input −[\d,]+ tokens, cache reads −[\d,]+ tokens against the recording$/.test(
					n,
				),
			),
			c.scenarios[0]!.notes.join('\n'),
		);
		// Masking at every step drops more context than in batches of five, and the batches keep more of the prompt cache.
		assert.ok(c.scenarios[0]!.risk.contextTokensDropped > c.scenarios[1]!.risk.contextTokensDropped);
		assert.ok(c.scenarios[1]!.cacheReadTokens > c.scenarios[0]!.cacheReadTokens);
		const json = comparisonJson(c) as { scenarios: { risk: Record<string, unknown> }[] };
		assert.deepEqual(Object.keys(json.scenarios[0]!.risk).sort(), [
			'budgetStopStep',
			'contextTokensDropped',
			'elidedReferencedLater',
			'modelChangedSteps',
			'modelChangedTo',
			'observationsElided',
			'semanticCacheHits',
		]);
		assert.match(comparisonMarkdown(c), /\| Scenario \| Steps on another model \| Observations elided \| Elided, needed later \| Context tokens dropped \| Semantic cache hits \| Budget stop \|/);
		assert.match(comparisonCsv(c).split('\r\n')[0]!, /,observations_elided,elided_referenced,context_tokens_dropped,semantic_cache_hit$/);
	});

	it('the semantic cache is simulated: on agent traffic it answers steps whose request merely resembles an earlier one, and each such hit is a risk', async () => {
		const file = join(transcriptsDir(), 'mini_swe_agent', 'mswea_gemini3pro_pallets__flask-5014.traj.json');
		const run = new PreparedRun(importTranscript(readFileSync(file, 'utf8'), { file, counter: tokenCounter }), { counter: tokenCounter, catalog });
		const r = await simulateScenario(run, scenario({ name: 'semantic', cache: { enabled: true, semanticEnabled: true, similarityThreshold: 0.95 } }));
		assert.ok(r.risk.semanticCacheHits > 5, String(r.risk.semanticCacheHits));
		const hits = r.perStep.filter(p => p.risk?.semanticCacheHit);
		assert.equal(hits.length, r.risk.semanticCacheHits);
		assert.ok(
			hits.every(
				p => p.cache === 'responseCache' && p.costUsd === 0 && /semantic cache: a similar, not identical, request \(cosine (0\.9\d\d|1\.000)\) answered at step \d+/.test(p.routing.join(' ')),
			),
		);
		assert.deepEqual(
			r.perStep.find(p => p.risk?.semanticCacheHit)?.decision?.rules.filter(x => x.startsWith('cache.')),
			['cache.semantic'],
		);
		// A stricter threshold serves fewer; the exact cache alone serves none of these distinct requests.
		const strict = await simulateScenario(run, scenario({ name: 'strict', cache: { enabled: true, semanticEnabled: true, similarityThreshold: 0.999 } }));
		assert.ok(strict.risk.semanticCacheHits < r.risk.semanticCacheHits);
		const exact = await simulateScenario(run, scenario({ name: 'exact', cache: { enabled: true } }));
		assert.equal(exact.risk.semanticCacheHits, 0);
	});

	it('finds paths, error messages and code identifiers in text', () => {
		const t = distinctiveTerms(
			'Traceback…\nValueError: \'name\' may not be empty\n  File "src/flask/blueprints.py", line 195, in __init__\n    def register_blueprint(self): ... version 2.3.1 see README.md',
		);
		assert.ok(t.includes('src/flask/blueprints.py'));
		assert.ok(t.includes("ValueError: 'name' may not be empty"));
		assert.ok(t.includes('register_blueprint'));
		assert.ok(t.includes('README.md'));
		assert.ok(!t.includes('ValueError'), 'a bare error class says little');
		assert.ok(!t.some(x => /^\d+(\.\d+)+$/.test(x)), 'version numbers are not paths');
	});
});
