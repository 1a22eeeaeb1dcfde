import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accountTranscript } from '../../../../src/core/transcripts/accounting';
import { importTranscript } from '../../../../src/core/transcripts/importTranscript';
import { publicFixturesDir } from '../../../support/paths';
import { engineCounter, fixedCatalog, importPublicFixture } from './transcriptTestKit';

/** Calls a format records without a model, and runs that are demonstrations rather than billed calls. */

const publicJson = (rel: string): unknown => JSON.parse(readFileSync(join(publicFixturesDir(), rel), 'utf8'));

describe('OpenHands: agent messages without a model_response', () => {
	it("are priced as the run's model, with the prompt the agent sent (history up to the step + what the recorded call shows is hidden)", () => {
		const t = importPublicFixture('openhands/openhands_traj_basic_interactions.json');
		assert.deepEqual(
			t.calls.map(c => [c.model, c.modelSource, c.usageSource]),
			[
				['gpt-4o-2024-08-06', 'run', 'counted'],
				['gpt-4o-2024-08-06', 'run', 'counted'],
				['gpt-4o-2024-08-06', 'recorded', 'recorded'],
			],
		);
		const [first, second, recorded] = t.calls.map(c => c.usage.input);
		// The recorded call sent 2,473 tokens; the earlier calls sent the same system prompt and tools with less history.
		assert.equal(recorded, 2_473);
		assert.ok(first > 2_000 && first < second && second < recorded, `${first} < ${second} < ${recorded}`);
		assert.match(t.calls[0].usageNotes![0], /tokens of system prompt and tool definitions that call 3's recorded usage shows/);
		assert.ok(t.warnings.some(w => w.code === 'modelGuessed' && w.message.includes("the run's model")));
		const a = accountTranscript(t, fixedCatalog);
		assert.equal(a.unpricedCalls, 0, 'every call is priced');
	});

	it('with no recorded call to learn from, the count stays the rebuilt prompt and says it is a lower bound', () => {
		const events = publicJson('openhands/openhands_traj_basic_interactions.json') as Record<string, unknown>[];
		const stripped = events.map(e => (e.action === 'finish' ? { ...e, tool_call_metadata: undefined } : e));
		const t = importTranscript(JSON.stringify(stripped), { file: 'x.json', counter: engineCounter });
		assert.ok(t.calls.every(c => c.model === '' && c.modelSource === 'unknown'));
		assert.ok(t.calls.every(c => c.usage.input < 200));
		assert.match(t.calls[0].usageNotes![0], /a lower bound/);
	});

	it('a GUI-mode trajectory: the bare final message is priced as the Claude model of the other calls', () => {
		const t = importPublicFixture('openhands/openhands_traj_basic_gui_mode.json');
		const bare = t.calls.filter(c => c.usageSource === 'counted');
		assert.equal(bare.length, 1);
		assert.equal(bare[0].model, 'claude-3-5-sonnet-20241022');
		assert.ok(bare[0].usage.input >= t.calls[t.calls.length - 2].usage.input, 'the last call sent at least what the call before it sent');
	});
});

describe('SWE-agent replay mode', () => {
	it('a `model: replay` trajectory is a demonstration: flagged, no price asked for "replay", its api_calls not taken as billed', () => {
		const t = importPublicFixture('swe_agent/sweagent_replay_marshmallow-1867_function_calling.traj');
		assert.equal(t.demonstration, true);
		assert.equal(t.calls.length, 13);
		assert.deepEqual(t.models, []);
		assert.equal(t.recordedTotals, undefined);
		assert.ok(t.warnings.some(w => w.code === 'zeroStats' && /"replay" \(SWE-agent replay mode\)/.test(w.message)));
		const a = accountTranscript(t, fixedCatalog);
		assert.ok(!a.warnings.some(w => w.message.includes('"replay"') || /of replay have no price/.test(w.message)));
		assert.equal(a.recordedUsd, null);
	});

	it('a replayed demonstration naming a real model (stats with api_calls but no tokens, no cost) is no $0 recorded run', () => {
		const doc = publicJson('swe_agent/sweagent_replay_marshmallow-1867_function_calling.traj') as Record<string, unknown>;
		// replay_config is a JSON string in some SWE-agent versions and an object in others (this one).
		const config = structuredClone(doc.replay_config) as { agent: { model: { name: string } } };
		config.agent.model.name = 'gpt-4o';
		const t = importTranscript(JSON.stringify({ ...doc, replay_config: config }), { file: 'demo.traj', counter: engineCounter });
		assert.equal(t.demonstration, true);
		assert.deepEqual(t.models, ['gpt-4o']);
		const a = accountTranscript(t, fixedCatalog);
		assert.equal(a.recordedUsd, null, 'no recorded $0 to compare against');
		assert.ok(!a.warnings.some(w => w.code === 'costMismatch'));
		assert.ok(t.warnings.some(w => w.code === 'zeroStats' && /api_calls 13 counts replayed steps/.test(w.message)));
	});
});
