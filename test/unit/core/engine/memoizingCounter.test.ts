import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EngineMessage } from '../../../../src/core/compression/messages';
import { memoizingCounter } from '../../../../src/core/engine/memoizingCounter';
import { countChat, countText } from '../../../../src/core/tokens/count';

const real = { countText, countChat };

describe('memoizingCounter', () => {
	it('equals the real OpenAI chat count exactly on random histories (property)', () => {
		const memo = memoizingCounter(real);
		const msg = fc.record({ role: fc.constantFrom('system', 'user', 'assistant', 'tool'), content: fc.string({ unit: 'grapheme', maxLength: 120 }) });
		fc.assert(
			fc.property(fc.array(msg, { maxLength: 12 }), fc.constantFrom('gpt-4o', 'gpt-4', 'gpt-4o-mini', 'o3'), (ms, model) => {
				const direct = countChat(model, ms);
				const m = memo.countChat(model, ms);
				assert.equal(m.tokens, direct.tokens);
				assert.equal(memo.countText(model, ms[0]?.content ?? '').tokens, countText(model, ms[0]?.content ?? '').tokens);
			}),
			{ numRuns: 200 },
		);
	});

	it('re-counts only new messages of a growing history', () => {
		let calls = 0;
		const spy = { countText, countChat: (m: string, ms: readonly EngineMessage[], t?: unknown) => (calls++, countChat(m, ms, t as never)) };
		const memo = memoizingCounter(spy);
		const history: EngineMessage[] = [{ role: 'system', content: 'sys' }];
		for (let i = 0; i < 50; i++) {
			history.push({ role: i % 2 ? 'assistant' : 'user', content: `message ${i}` });
			memo.countChat('gpt-4o', history);
		}
		// One call per message plus the base, not 51·50/2.
		assert.equal(calls, 51 + 1);
		assert.equal(memo.countChat('gpt-4o', history).tokens, countChat('gpt-4o', history).tokens);
	});

	it('counts tool definitions once per tools array', () => {
		const tools = [{ name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } } } }];
		const memo = memoizingCounter(real);
		const ms = [{ role: 'user', content: 'hi' }];
		assert.equal(memo.countChat('gpt-4o', ms, tools).tokens, countChat('gpt-4o', ms, tools).tokens);
	});
});
