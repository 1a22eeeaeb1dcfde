import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliCommands } from '../../../../src/node/cli/commands';
import { replayCommand } from '../../../../src/node/cli/replayCommand';
import { runCliCaptured } from '../../../support/cliRun';
import { transcriptsDir } from '../../../support/paths';

const run = (argv: string[], cwd: string) => runCliCaptured(['replay', ...argv], cwd, [replayCommand]);

describe('agent-cost replay', () => {
	let dir: string;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'agent-cost-replay-'));
		copyFileSync(join(transcriptsDir(), 'mini_swe_agent', 'mswea_gemini3pro_pallets__flask-5014.traj.json'), join(dir, 'run.traj.json'));
		writeFileSync(join(dir, 'mini.json'), JSON.stringify({ name: 'all on gpt-4o-mini', routing: { mode: 'fixed', model: 'gpt-4o-mini' } }));
		writeFileSync(join(dir, 'same.json'), JSON.stringify({ name: 'unchanged' }));
		writeFileSync(join(dir, 'steps.json'), JSON.stringify({ name: 'max 5 steps', budget: { enabled: true, maxSteps: 5, runUsd: 0 } }));
	});
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	it('is registered', () => assert.ok(cliCommands.some(c => c.name === 'replay')));

	it('--json gives the documented shape; an unchanged scenario equals the recorded baseline', async () => {
		const r = await run(['run.traj.json', '--settings', 'same.json', '--compare', 'mini.json', '--compare', 'steps.json', '--json'], dir);
		assert.equal(r.code, 0, r.stderr);
		const out = JSON.parse(r.stdout) as {
			baseline: { costUsd: number; inputTokens: number; outputTokens: number; steps: number; kind: string };
			scenarios: { name: string; costUsd: number; inputTokens: number; outputTokens: number; steps: number; stoppedAtStep: number | null; perStep: unknown[] }[];
		};
		assert.equal(out.baseline.kind, 'recorded');
		assert.equal(out.baseline.steps, 20);
		// The recorded run total of this file is $0.165996 (info.model_stats.instance_cost).
		assert.ok(Math.abs(out.baseline.costUsd - 0.165996) < 1e-9, String(out.baseline.costUsd));
		assert.deepEqual(
			out.scenarios.map(s => s.name),
			['unchanged', 'all on gpt-4o-mini', 'max 5 steps'],
		);
		assert.equal(out.scenarios[0].costUsd, out.baseline.costUsd);
		assert.ok(out.scenarios[1].costUsd < out.baseline.costUsd / 5, 'gpt-4o-mini is far cheaper than gemini-3-pro');
		assert.equal(out.scenarios[2].stoppedAtStep, 6);
		assert.equal(out.scenarios[2].perStep.length, 5);
	});

	it('a cost check fails with exit 3 and says which scenario and by how much', async () => {
		const r = await run(['run.traj.json', '--settings', 'same.json', '--max-cost', '0.01'], dir);
		assert.equal(r.code, 3);
		assert.match(r.stderr, /unchanged costs \$0\.166, over --max-cost \$0\.010/);
		const ok = await run(['run.traj.json', '--settings', 'mini.json', '--max-increase', '0'], dir);
		assert.equal(ok.code, 0, ok.stderr);
		// A scenario the step limit stopped is cheaper only because it did not finish: the check fails.
		const stopped = await run(['run.traj.json', '--settings', 'steps.json', '--max-cost', '100'], dir);
		assert.equal(stopped.code, 3);
		assert.match(stopped.stderr, /max 5 steps was stopped at step 6 of 20/);
	});

	it('a typo\'d model in a scenario is exit 2 with the closest known ids, never a "−100 %" saving', async () => {
		writeFileSync(join(dir, 'typo.json'), JSON.stringify({ name: 'typo', routing: { mode: 'fixed', model: 'gtp-4o-mini' } }));
		const r = await run(['run.traj.json', '--settings', 'typo.json', '--json'], dir);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /typo: routing\.model: .*gtp-4o-mini.*did you mean "gpt-4o-mini"/);
		assert.equal(r.stdout, '');
		// Escalation routes over the tiers: a typo'd tier is caught the same way.
		writeFileSync(join(dir, 'esc.json'), JSON.stringify({ name: 'esc', routing: { mode: 'escalate' }, tiers: { cheap: 'gpt-4o-mnii' } }));
		const e = await run(['run.traj.json', '--settings', 'esc.json', '--json'], dir);
		assert.equal(e.code, 2);
		assert.match(e.stderr, /esc: tiers\.cheap: .*gpt-4o-mnii/);
	});

	it("--json carries each scenario's risk next to its cost, and per step where it applies; masking and escalation are settings like any other", async () => {
		writeFileSync(join(dir, 'mask.json'), JSON.stringify({ name: 'mask', compression: { strategy: 'observationMask', keepObservations: 3, maskEverySteps: 2 } }));
		writeFileSync(join(dir, 'esc.json'), JSON.stringify({ name: 'esc', routing: { mode: 'escalate' }, tiers: { cheap: 'gpt-4o-mini', medium: 'gpt-4o', expensive: 'gpt-4.1' } }));
		const r = await run(['run.traj.json', '--settings', 'mask.json', '--compare', 'esc.json', '--compare', 'steps.json', '--json'], dir);
		assert.equal(r.code, 0, r.stderr);
		type Risk = {
			modelChangedSteps: number;
			modelChangedTo: Record<string, number>;
			observationsElided: number;
			elidedReferencedLater: number;
			contextTokensDropped: number;
			semanticCacheHits: number;
			budgetStopStep: number | null;
		};
		const out = JSON.parse(r.stdout) as { scenarios: { name: string; risk: Risk; perStep: { step: number; risk?: { observationsElided?: number } }[] }[] };
		const [mask, esc, steps] = out.scenarios;
		assert.ok(mask!.risk.observationsElided > 0 && mask!.risk.contextTokensDropped > 0);
		assert.equal(
			mask!.perStep.reduce((n, p) => n + (p.risk?.observationsElided ?? 0), 0),
			mask!.risk.observationsElided,
		);
		assert.equal(esc!.risk.modelChangedSteps, 20);
		assert.deepEqual(esc!.risk.modelChangedTo, { cheap: 20 }, 'a calm run stays on the cheap tier');
		assert.equal(steps!.risk.budgetStopStep, 6);
		const text = await run(['run.traj.json', '--settings', 'mask.json', '--compare', 'esc.json'], dir);
		assert.match(text.stdout, /scenario +steps on another model +observations elided +elided, needed later +context tokens dropped +semantic cache hits +budget stop/);
		assert.match(text.stdout, /esc +20 \(20 → cheap\)/);
	});

	it('a run it cannot price has no cost — null in JSON, "no price" in text and Markdown, with the reason — never $0', async () => {
		// A recording of a model the price data lists nowhere; the file says what each call cost.
		const call = (i: number) =>
			JSON.stringify({
				v: 1,
				type: 'call',
				at: `2026-11-01T10:00:0${i}.000Z`,
				model: 'acme/brand-new-model-x',
				usage: { input: 1000 + i * 100, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 50, reasoning: 0 },
				costUsd: 0.083,
				input: { kind: 'full', messages: [{ role: 'user', content: `question ${i}` }] },
				output: { text: 'answer', toolCalls: [] },
			});
		writeFileSync(join(dir, 'unpriced.agent-cost.jsonl'), `${call(1)}\n${call(2)}\n`);
		const json = await run(['unpriced.agent-cost.jsonl', '--settings', 'same.json', '--json'], dir);
		assert.equal(json.code, 0, json.stderr);
		const out = JSON.parse(json.stdout) as { baseline: { costUsd: number | null; unpriced?: string; recordedCostUsd?: number }; scenarios: { costUsd: number | null; unpriced?: string }[] };
		assert.equal(out.baseline.costUsd, null);
		assert.match(out.baseline.unpriced ?? '', /acme\/brand-new-model-x/);
		assert.ok(Math.abs((out.baseline.recordedCostUsd ?? 0) - 0.166) < 1e-9, "the file's own recorded cost is shown next to it");
		assert.equal(out.scenarios[0]!.costUsd, null);
		const text = await run(['unpriced.agent-cost.jsonl', '--settings', 'same.json'], dir);
		assert.match(text.stdout, /no price \(file: \$0\.166\)/);
		assert.doesNotMatch(text.stdout, /\$0\.00\b|-100/);
		const md = await run(['unpriced.agent-cost.jsonl', '--settings', 'same.json', '--markdown'], dir);
		assert.match(md.stdout, /\| no price/);
		assert.match(md.stdout, /No price: acme\/brand-new-model-x/);
	});

	it('bad settings are a usage error naming the file and the field (exit 2)', async () => {
		writeFileSync(join(dir, 'bad.json'), JSON.stringify({ budget: { policy: 'sometimes' } }));
		const r = await run(['run.traj.json', '--settings', 'bad.json'], dir);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /bad\.json: budget\.policy: must be one of hard, soft, warn; got "sometimes"/);
		assert.equal((await run(['run.traj.json', '--settings', 'missing.json'], dir)).code, 2);
		assert.equal((await run([], dir)).code, 2);
		assert.equal((await run(['run.traj.json', '--json', '--csv'], dir)).code, 2);
	});

	it("an unreadable transcript exits 1 with the importer's reason", async () => {
		writeFileSync(join(dir, 'broken.json'), '{"messages": [');
		const r = await run(['broken.json'], dir);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /broken\.json/);
	});

	it('prints Markdown and CSV exports', async () => {
		const md = await run(['run.traj.json', '--settings', 'mini.json', '--markdown'], dir);
		assert.match(md.stdout, /^# Replay of run\.traj\.json/);
		assert.match(md.stdout, /\| all on gpt-4o-mini \|/);
		const csv = await run(['run.traj.json', '--settings', 'mini.json', '--csv'], dir);
		assert.equal(csv.stdout.trim().split('\r\n').length, 21);
	});
});
