import * as assert from 'node:assert/strict';
import { actionKey, actionsOf, describeAction, keyArgsOf, producingAction } from '../../../../src/core/compression/agentActions';
import type { EngineMessage } from '../../../../src/core/compression/messages';
import { groupMessages, isObservation } from '../../../../src/core/compression/messages';
import { isMasked, maskObservations, maskTrigger, placeholderText, wholeObservations } from '../../../../src/core/compression/observationMask';
import { tokenCounter } from '../../../../src/core/tokens/count';

const o = { model: 'gpt-4o', counter: tokenCounter };
const big = (what: string) => `${what}\n${'line of tool output with some words in it\n'.repeat(30)}`;

/** A tool-calling agent: system, task, then per step an assistant call and its result. */
function toolRun(steps: number): EngineMessage[] {
	const out: EngineMessage[] = [
		{ role: 'system', content: 'You are a coding agent.' },
		{ role: 'user', content: 'Fix the failing test.' },
	];
	for (let i = 1; i <= steps; i++) {
		out.push({ role: 'assistant', content: `Step ${i}: reading.`, toolCalls: [{ id: `c${i}`, name: 'read_file', arguments: `{"path":"f${i}.py"}` }], toolCallIds: [`c${i}`] });
		out.push({ role: 'tool', content: big(`f${i}.py`), toolResultIds: [`c${i}`], observation: true });
	}
	return out;
}

/** mini-SWE-agent: actions are bash blocks in the text, observations user messages marked by the importer. */
function shellRun(steps: number): EngineMessage[] {
	const out: EngineMessage[] = [
		{ role: 'system', content: 'You can run bash.' },
		{ role: 'user', content: '<pr_description>Require a non-empty name</pr_description>' },
	];
	for (let i = 1; i <= steps; i++) {
		out.push({ role: 'assistant', content: `THOUGHT: look.\n\n\`\`\`bash\ncat src/f${i}.py\n\`\`\`` });
		out.push({ role: 'user', content: `<returncode>0</returncode>\n<output>${big(`f${i}`)}</output>`, observation: true });
	}
	return out;
}

describe('observation masking', () => {
	it('keeps the newest N observations whole and masks the older ones; nothing else is touched', () => {
		const messages = toolRun(5);
		const r = maskObservations(messages, 2, o);
		assert.equal(r.applied, true);
		assert.equal(r.strategy, 'observationMask');
		assert.equal(r.messages.length, messages.length, 'nothing is dropped');
		const masked = r.messages.map((m, i) => (isMasked(m) ? i : -1)).filter(i => i >= 0);
		assert.deepEqual(masked, [3, 5, 7], 'the first three of five tool results');
		r.messages.forEach((m, i) => {
			if (!masked.includes(i)) assert.equal(m, messages[i], `message ${i} is the same object`);
		});
		for (const i of masked) {
			const m = r.messages[i]!;
			assert.equal(m.role, 'tool');
			assert.deepEqual(m.toolResultIds, messages[i]!.toolResultIds, 'a masked result still answers its call');
			assert.match(
				m.content,
				new RegExp(
					`^\\[observation elided to save context: the output of read_file \\{"path":"f${(i - 1) / 2}\\.py"\\} — [\\d,]+ characters, 32 lines, hash [0-9a-f]{10}\\. Run the call again if you need it\\.\\]$`,
				),
			);
		}
		assert.deepEqual(
			groupMessages(r.messages).map(g => g.end - g.start),
			groupMessages(messages).map(g => g.end - g.start),
			'tool-call groups are unchanged',
		);
		assert.ok(r.tokensAfter < r.tokensBefore && r.saved === r.tokensBefore - r.tokensAfter);
		assert.deepEqual(
			r.changes.map(c => c.kind === 'masked' && c.index),
			[3, 5, 7],
		);
	});

	it('masks mini-SWE-agent observations (user role) and names the command that produced them', () => {
		const r = maskObservations(shellRun(3), 1, o);
		const placeholders = r.messages.filter(isMasked);
		assert.equal(placeholders.length, 2);
		assert.equal(placeholders[0]!.role, 'user');
		assert.match(placeholders[0]!.content, /the output of bash "cat src\/f1\.py"/);
		assert.match(placeholders[1]!.content, /the output of bash "cat src\/f2\.py"/);
		assert.equal(r.messages[1]!.content, '<pr_description>Require a non-empty name</pr_description>', 'the task is never masked');
	});

	it('is idempotent and stable: placeholders are not masked or counted again, and the same observation masks to the same object', () => {
		const first = maskObservations(toolRun(4), 1, o);
		const again = maskObservations(first.messages, 1, o);
		assert.equal(again.applied, false, 'nothing more to mask');
		assert.equal(wholeObservations(first.messages), 1);
		// The next batch: two more steps arrive, the previous placeholders are kept as they are.
		const grown = [...first.messages, ...toolRun(6).slice(10)];
		const next = maskObservations(grown, 1, o);
		for (let i = 0; i < first.messages.length; i++) if (isMasked(first.messages[i]!)) assert.equal(next.messages[i], first.messages[i], `placeholder ${i} is the same object`);
		assert.equal(next.messages.filter(isMasked).length, 5);
		// Masked again from scratch, an observation gives the very same placeholder object (token counts are memoized per object).
		const messages = toolRun(3);
		assert.equal(maskObservations(messages, 1, o).messages[3], maskObservations(messages, 1, o).messages[3]);
	});

	it('does nothing while there are no more than N whole observations', () => {
		const r = maskObservations(toolRun(3), 3, o);
		assert.equal(r.applied, false);
		assert.equal(r.tokensBefore, r.tokensAfter);
	});

	it('masks in batches: every K steps, or at every call when the request has no step number', () => {
		assert.deepEqual(
			[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(s => maskTrigger(s, 5) !== undefined),
			[false, false, false, false, true, false, false, false, false, true],
		);
		assert.deepEqual(maskTrigger(undefined, 5), { kind: 'maskBatch', every: 5 });
		assert.deepEqual(maskTrigger(3, 1), { kind: 'maskBatch', step: 3, every: 1 });
	});

	it('the placeholder states the size and a content hash that tells different outputs apart', () => {
		const a = placeholderText('one\ntwo\nthree', { name: 'bash', args: 'ls' });
		assert.match(a, /the output of bash "ls" — 13 characters, 3 lines, hash [0-9a-f]{10}/);
		assert.notEqual(/hash (\w+)/.exec(a)![1], /hash (\w+)/.exec(placeholderText('one\ntwo\nthreE', undefined))![1]);
		assert.match(placeholderText('x', undefined), /elided to save context: a tool output — 1 characters/);
	});
});

describe('agent actions (tool calls in any format)', () => {
	it('reads structured calls, the live engine’s and the gateway’s renderings, and shell blocks', () => {
		assert.deepEqual(actionsOf({ role: 'assistant', content: 'x', toolCalls: [{ id: 'a', name: 'grep', arguments: '{"pattern":"foo"}' }] }), [{ id: 'a', name: 'grep', args: '{"pattern":"foo"}' }]);
		assert.deepEqual(actionsOf({ role: 'assistant', content: 'Running.\n[tool call shell {"cmd":"pytest -x"}]', toolCallIds: ['t1'] }), [{ id: 't1', name: 'shell', args: '{"cmd":"pytest -x"}' }]);
		assert.deepEqual(actionsOf({ role: 'assistant', content: 'Running.\nrun_tests({"k":1})', toolCallIds: ['t2'] }), [{ id: 't2', name: 'run_tests', args: '{"k":1}' }]);
		assert.deepEqual(actionsOf({ role: 'assistant', content: 'THOUGHT: go\n```bash\nsed -n 1,5p a.py\n```' }), [{ name: 'bash', args: 'sed -n 1,5p a.py' }]);
		assert.deepEqual(actionsOf({ role: 'assistant', content: 'All done, no action.' }), []);
		assert.deepEqual(actionsOf({ role: 'user', content: '```bash\nls\n```' }), [], 'only assistant messages act');
	});

	it('compares calls by tool and canonical arguments; key arguments are paths and commands', () => {
		assert.equal(actionKey({ name: 't', args: '{"b":1,"a":2}' }), actionKey({ name: 't', args: '{ "a": 2, "b": 1 }' }));
		assert.notEqual(actionKey({ name: 't', args: '{"a":1}' }), actionKey({ name: 'u', args: '{"a":1}' }));
		assert.deepEqual(keyArgsOf({ name: 'read_file', args: '{"path":"a.py","limit":40}' }), ['path=a.py']);
		assert.deepEqual(keyArgsOf({ name: 'calculate', args: '{"expression":"1 + 2"}' }), ['{"expression":"1 + 2"}'], 'no key argument: all of them decide');
		assert.deepEqual(keyArgsOf({ name: 'bash', args: 'cat   a.py' }), ['cat a.py']);
		assert.equal(describeAction({ name: 'bash', args: 'x'.repeat(100) }, 20), `bash "${'x'.repeat(19)}…"`);
	});

	it('finds the call an observation answers: by id, else the nearest action before it', () => {
		const run = toolRun(2);
		assert.equal(producingAction(run, 5)?.args, '{"path":"f2.py"}');
		const shell = shellRun(2);
		assert.equal(producingAction(shell, 3)?.args, 'cat src/f1.py');
		assert.ok(isObservation(shell[3]!));
	});
});
