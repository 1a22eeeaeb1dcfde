import * as assert from 'node:assert/strict';
import type { EngineMessage } from '../../../../src/core/compression/messages';
import type { PolicySettings } from '../../../../src/core/config/defaults';
import { defaultEngineConfig } from '../../../../src/core/config/parseEngineConfig';
import type { StepInfo } from '../../../../src/core/routing/classifier';
import { escalationRoute, reportsFailure, reportsPassingCheck, type EscalationDecision, type RunSignals } from '../../../../src/core/routing/escalation';
import { routeRequest } from '../../../../src/core/routing/router';

const defaults = defaultEngineConfig();
const settings = (e: Partial<PolicySettings['routing']['escalation']> = {}): Pick<PolicySettings, 'routing'> => ({
	routing: { ...defaults.routing, mode: 'escalate', escalation: { ...defaults.routing.escalation, ...e } },
});

const call = (name: string, args: object): EngineMessage => ({ role: 'assistant', content: '', toolCalls: [{ id: name, name, arguments: JSON.stringify(args) }], toolCallIds: [name] });
const result = (content: string): EngineMessage => ({ role: 'tool', content, toolResultIds: ['x'], observation: true });
const ok = (n: number) => [call('read_file', { path: `f${n}.py` }), result(`contents of f${n}.py`)];
const failing = (n: number) => [call('run_tests', { n }), result('FAILED tests/test_a.py::test_x - AssertionError')];

/** Runs steps through the escalation mode, carrying its state like a shell does; returns each step's decision. */
function walk(steps: readonly EngineMessage[][], s = settings(), info: (i: number) => StepInfo = () => ({}), cheapTokens = 100): EscalationDecision[] {
	let state: RunSignals | undefined;
	return steps.map((recent, i) => {
		const d = escalationRoute({ state, recent, step: info(i), cheapPromptTokens: () => cheapTokens, cheapContextWindow: () => 128_000 }, s);
		state = d.state;
		return d;
	});
}

const tiers = (ds: EscalationDecision[]) => ds.map(d => d.tier);
const rules = (d: EscalationDecision) => d.reasons.map(r => r.rule);

describe('escalation routing', () => {
	it('starts the run on the cheap tier and stays there while nothing goes wrong', () => {
		const ds = walk([[], ok(1), ok(2), ok(3)]);
		assert.deepEqual(tiers(ds), ['cheap', 'cheap', 'cheap', 'cheap']);
		assert.deepEqual(rules(ds[0]!), ['route.escalate.start']);
		assert.deepEqual(rules(ds[3]!), ['route.escalate.hold']);
	});

	it('moves up one tier after N failing tool outputs in a row, and again on more trouble, with the reason', () => {
		const ds = walk([[], failing(1), failing(2), ok(3), failing(4), failing(5), failing(6), failing(7)], settings({ deescalateAfter: 0 }));
		assert.deepEqual(tiers(ds), ['cheap', 'cheap', 'medium', 'medium', 'medium', 'expensive', 'expensive', 'expensive']);
		assert.deepEqual(rules(ds[2]!), ['route.escalate.toolErrors', 'route.escalate.up']);
		assert.match(ds[2]!.reasons[0]!.text, /2 tool outputs in a row reported an error \(limit 2\)/);
		assert.match(ds[2]!.reasons[1]!.text, /escalated cheap → medium/);
		assert.deepEqual(rules(ds[7]!), ['route.escalate.toolErrors', 'route.escalate.top'], 'already on the top tier');
	});

	it('escalates on the same tool call repeated, a rejected answer, and steps without a passing check', () => {
		const same = [call('grep', { pattern: 'foo' }), result('no matches')];
		assert.deepEqual(tiers(walk([[], same, same])), ['cheap', 'cheap', 'medium']);
		assert.deepEqual(tiers(walk([[], ok(1)], settings(), i => (i === 1 ? { attempt: 1 } : {}))), ['cheap', 'medium'], 'a retry of a failed step');
		const quiet = Array.from({ length: 6 }, (_, i) => ok(i));
		const ds = walk(quiet, settings({ stepsWithoutCheck: 4, deescalateAfter: 0 }));
		assert.deepEqual(tiers(ds), ['cheap', 'cheap', 'cheap', 'medium', 'medium', 'medium']);
		assert.deepEqual(rules(ds[3]!), ['route.escalate.noProgress', 'route.escalate.up']);
		// A passing check restarts the count.
		const checked = walk([[], ok(1), [call('bash', { command: 'pytest' }), result('===== 12 passed in 0.5s =====')], ok(3), ok(4)], settings({ stepsWithoutCheck: 3, deescalateAfter: 0 }));
		assert.deepEqual(tiers(checked), ['cheap', 'cheap', 'cheap', 'cheap', 'cheap']);
	});

	it('steps back down after a streak of clean steps', () => {
		const ds = walk([[], failing(1), failing(2), ok(3), ok(4), ok(5)], settings({ deescalateAfter: 2 }));
		assert.deepEqual(tiers(ds), ['cheap', 'cheap', 'medium', 'medium', 'cheap', 'cheap']);
		assert.deepEqual(rules(ds[4]!), ['route.escalate.down']);
		assert.match(ds[4]!.reasons[0]!.text, /2 steps in a row without trouble: medium → cheap/);
	});

	it('a long context runs at least one tier up while it lasts, without moving the run’s level', () => {
		const s = settings({ contextRatio: 0.5 });
		const big = walk([[], ok(1)], s, () => ({}), 70_000);
		assert.deepEqual(tiers(big), ['medium', 'medium']);
		assert.ok(rules(big[1]!).includes('route.escalate.context'));
		assert.equal(big[1]!.state.level, 0);
		assert.deepEqual(tiers(walk([[], ok(1)], settings({ contextRatio: 0 }), () => ({}), 70_000)), ['cheap', 'cheap'], '0 turns the signal off');
	});

	it('every signal can be turned off with 0', () => {
		const s = settings({ toolErrors: 0, repeatedCalls: 0, stepsWithoutCheck: 0 });
		const same = [call('grep', { pattern: 'foo' }), result('FAILED')];
		assert.deepEqual(tiers(walk([[], same, same, same, same], s)), ['cheap', 'cheap', 'cheap', 'cheap', 'cheap']);
	});

	it('routes through the router with the tier models and an upward fallback chain; a pinned model is kept', () => {
		const s = { tiers: { cheap: 'gpt-4o-mini', medium: 'gpt-4o', expensive: 'gpt-4.1' }, ...settings() };
		const up = walk([[], failing(1), failing(2)])[2]!;
		const d = routeRequest({ complexity: () => assert.fail('the classifier is not asked'), escalation: () => up }, s);
		assert.deepEqual([d.tier, d.model, d.fallbacks], ['medium', 'gpt-4o', ['gpt-4.1']]);
		assert.equal(routeRequest({ requestedModel: 'claude-opus-4-6', pinned: true, complexity: () => assert.fail(), escalation: () => assert.fail() }, s).model, 'claude-opus-4-6');
	});
});

describe('what an observation reports', () => {
	it('a failure: a non-zero exit code, a traceback, an error line or failed tests', () => {
		for (const t of [
			'<returncode>1</returncode>\n<output>boom</output>',
			'Traceback (most recent call last):\n  File "a.py"',
			'ValueError: bad name',
			'===== 2 failed, 10 passed =====',
			'bash: foo: command not found',
			'[Command finished with exit code 2]',
		])
			assert.equal(reportsFailure(t), true, t);
		for (const t of ['<returncode>0</returncode>\n<output>Error: shown but exit 0</output>', 'all good', 'handles errors gracefully', '0 errors']) assert.equal(reportsFailure(t), false, t);
	});

	it('a passing check: a test or build run that succeeded', () => {
		assert.equal(reportsPassingCheck('===== 12 passed in 0.50s ====='), true);
		assert.equal(reportsPassingCheck('Ran 4 tests in 0.01s\n\nOK'), true);
		assert.equal(reportsPassingCheck('<returncode>0</returncode>\n<output>\n</output>', 'pytest tests/test_app.py'), true, 'a test command that exited 0');
		assert.equal(reportsPassingCheck('<returncode>0</returncode>\n<output>\n</output>', 'ls -la'), false, 'not a check');
		assert.equal(reportsPassingCheck('===== 1 failed, 3 passed ====='), false);
	});
});
