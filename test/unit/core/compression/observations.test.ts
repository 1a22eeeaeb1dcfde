import * as assert from 'node:assert/strict';
import { isObservation, isUserTurn, lastUserTurnIndex } from '../../../../src/core/compression/messages';
import { truncateToolOutputs } from '../../../../src/core/compression/toolOutput';
import { callPrompts } from '../../../../src/core/transcripts/callPrompts';
import type { Transcript, TranscriptMessage } from '../../../../src/core/transcripts/model';
import { engineCounter, importFixture, importPublicFixture } from '../transcripts/transcriptTestKit';

/**
 * Observations — what tools and the environment return — are marked by every importer, whatever
 * role the format gives them, so a "tool outputs ≤ N tokens" strategy reaches them everywhere.
 */

function lastPrompt(t: Transcript): readonly TranscriptMessage[] {
	let last: readonly TranscriptMessage[] = [];
	for (const p of callPrompts(t)) last = p.messages;
	return last;
}

function truncated(t: Transcript, maxTokens = 500) {
	const messages = lastPrompt(t);
	const model = t.calls[t.calls.length - 1].model;
	const result = truncateToolOutputs(messages, maxTokens, model, engineCounter);
	const cuts = result.changes.flatMap(c => (c.kind === 'toolOutputTruncated' ? [c] : []));
	assert.equal(cuts.length, result.changes.length, 'tool-output truncation only truncates');
	return { messages, result, cuts, model };
}

describe('observations: isObservation', () => {
	it('marked messages, tool/function roles and tool results are observations; plain turns are not', () => {
		assert.equal(isObservation({ role: 'user', observation: true }), true);
		assert.equal(isObservation({ role: 'tool' }), true);
		assert.equal(isObservation({ role: 'function' }), true);
		assert.equal(isObservation({ role: 'user', toolResultIds: ['toolu_1'] }), true);
		assert.equal(isObservation({ role: 'user' }), false);
		assert.equal(isObservation({ role: 'assistant' }), false);
		assert.equal(isUserTurn({ role: 'user', content: 'run output', observation: true }), false);
	});
});

describe('observations: every importer marks them', () => {
	it('mini-SWE-agent: user messages after the first action are observations, the task statement is not', () => {
		const prompt = lastPrompt(importFixture('mini_swe_agent/mswea_gemini3pro_django__django-14765.traj.json'));
		const users = prompt.filter(m => m.role === 'user');
		assert.equal(users[0].observation, undefined, 'the task');
		assert.ok(users.slice(1).every(m => m.observation === true));
		assert.ok(users.slice(1).some(m => m.content.startsWith('<returncode>')));
		// The last real user turn (pinned by history compression) is the task, not the latest command output.
		assert.equal(lastUserTurnIndex(prompt), prompt.indexOf(users[0]));
	});

	it('Claude Code: user messages carrying tool_result blocks are observations; typed prompts are not', () => {
		const prompt = lastPrompt(importFixture('claude_code/spotter_tool_heavy.jsonl'));
		const results = prompt.filter(m => m.toolResultIds !== undefined);
		assert.ok(results.length > 0);
		assert.ok(results.every(m => m.observation === true));
		assert.ok(prompt.some(m => m.role === 'user' && m.observation === undefined));
	});

	it('SWE-agent, OpenHands, tau-bench and Inspect observations are marked too', () => {
		const swe = lastPrompt(importFixture('swe_agent/sweagent_gpt4_testrepo_6e44b9.traj'));
		assert.ok(swe.filter(m => m.role === 'tool').length > 0 && swe.filter(m => m.role === 'tool').every(isObservation));
		assert.equal(swe.find(m => m.role === 'user')?.observation, undefined, "SWE-agent's task statement");
		const oh = lastPrompt(importFixture('openhands/openhands_eval_multiswebench_ponylang__ponyc-4593.json'));
		assert.ok(oh.filter(m => m.observation === true).length > 10);
		const tau = lastPrompt(importFixture('openai_chat/taubench_gpt-4o_airline_idx000_task0_trial0.json'));
		assert.ok(tau.filter(m => m.role === 'tool').every(m => m.observation === true));
		const inspect = importFixture('inspect_ai/inspect_input-task_gpt-4o-mini.json');
		const inspectTools = inspect.calls.flatMap(c => (c.input?.messages ?? []).filter(m => m.role === 'tool'));
		assert.ok(inspectTools.every(m => m.observation === true));
	});
});

describe('observations: "tool outputs ≤ 500 tokens" reaches them', () => {
	it('mini-SWE-agent (observations in the user role): long command outputs are truncated, the task is not', () => {
		const { messages, result, cuts, model } = truncated(importFixture('mini_swe_agent/mswea_gemini3pro_pallets__flask-5014.traj.json'));
		assert.equal(result.applied, true);
		assert.ok(cuts.length > 0);
		for (const cut of cuts) {
			assert.ok(isObservation(messages[cut.index]), `message ${cut.index} is an observation`);
			assert.ok(cut.before > 500 && cut.after <= 500);
		}
		assert.equal(result.messages[1].content, messages[1].content, 'the task statement is kept whole');
		assert.ok(result.tokensAfter < result.tokensBefore);
		assert.equal(engineCounter.countText(model, result.messages[cuts[0].index].content).tokens <= 500, true);
	});

	it('Claude Code (observations as tool_result blocks in user messages): long results are truncated', () => {
		const { messages, result, cuts } = truncated(importFixture('claude_code/spotter_258c7280_agent-a881341.jsonl'));
		assert.equal(result.applied, true);
		assert.ok(cuts.every(c => isObservation(messages[c.index])));
		assert.ok(result.saved > 1_000, String(result.saved));
	});

	it('OpenHands user-role observations (a recorded run without tool call metadata) are reached as well', () => {
		const t = importPublicFixture('openhands/openhands_traj_basic_gui_mode.json');
		const prompt = lastPrompt(t);
		assert.ok(prompt.some(m => m.observation === true));
		const { cuts } = truncated(t, 50);
		assert.ok(cuts.length > 0);
	});
});
