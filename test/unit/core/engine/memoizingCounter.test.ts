import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EngineMessage } from '../../../../src/core/compression/messages';
import { memoizingCounter } from '../../../../src/core/engine/memoizingCounter';
import { countChat, countingKey, countText, tokenCounter } from '../../../../src/core/tokens/count';

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

	it("models that count alike (same counting key) share memos; the counts and their exactness stay each model's own", () => {
		// Same encoding and validated framing; o3 shares o200k but not the validation; gpt-4 is cl100k.
		assert.equal(countingKey('gpt-4o'), countingKey('gpt-4o-mini'));
		assert.equal(countingKey('gpt-4o'), countingKey('openai/gpt-4.1'));
		assert.notEqual(countingKey('gpt-4o'), countingKey('o3'));
		assert.notEqual(countingKey('gpt-4o'), countingKey('gpt-4'));
		// Claude models share a key when tokenizer generation and documented tool prompt agree.
		assert.equal(countingKey('claude-opus-4-6'), countingKey('claude-sonnet-4-6'));
		assert.notEqual(countingKey('claude-opus-4-6'), countingKey('claude-haiku-4-5'));
		assert.notEqual(countingKey('claude-opus-4-6'), countingKey('claude-opus-4-8'));
		assert.notEqual(countingKey('claude-opus-4-6'), countingKey('gemini-2.5-pro'));
		assert.equal(countingKey(''), 'model:', 'an id that cannot be counted is its own key (never throws)');
		const msg = fc.record({ role: fc.constantFrom('system', 'user', 'assistant', 'tool'), content: fc.string({ unit: 'grapheme', maxLength: 80 }) });
		const models = [
			'gpt-4o',
			'gpt-4o-mini',
			'gpt-4.1',
			'o3',
			'gpt-5',
			'gpt-4',
			'gpt-3.5-turbo',
			'claude-opus-4-6',
			'claude-sonnet-4-6',
			'claude-sonnet-4-5',
			'claude-opus-4-8',
			'gemini-2.5-pro',
			'mistral-large',
		];
		fc.assert(
			fc.property(fc.array(msg, { maxLength: 6 }), fc.constantFrom(...models), fc.constantFrom(...models), (ms, a, b) => {
				if (countingKey(a) !== countingKey(b)) return;
				assert.deepEqual(countChat(a, ms), countChat(b, ms), `${a} and ${b} share a key, so they must count alike`);
				assert.deepEqual(countText(a, ms[0]?.content ?? 'x'), countText(b, ms[0]?.content ?? 'x'));
			}),
			{ numRuns: 300 },
		);

		let chats = 0;
		const spy = { ...tokenCounter, countChat: (m: string, ms: readonly EngineMessage[], t?: unknown) => (chats++, countChat(m, ms, t as never)) };
		const memo = memoizingCounter(spy);
		const history: EngineMessage[] = Array.from({ length: 20 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `message number ${i}` }));
		const a = memo.countChat('gpt-4o', history);
		const afterFirst = chats;
		const b = memo.countChat('gpt-4o-mini', history);
		assert.equal(chats, afterFirst, "gpt-4o-mini re-used gpt-4o's counts");
		assert.deepEqual(b, countChat('gpt-4o-mini', history));
		assert.deepEqual(a, countChat('gpt-4o', history));
		memo.countChat('o3', history);
		assert.ok(chats > afterFirst, 'o3 (unvalidated framing) is counted on its own');
		assert.equal(memo.countChat('o3', history).exact, countChat('o3', history).exact);
	});

	it('counts tool definitions once per tools array', () => {
		const tools = [{ name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } } } }];
		const memo = memoizingCounter(real);
		const ms = [{ role: 'user', content: 'hi' }];
		assert.equal(memo.countChat('gpt-4o', ms, tools).tokens, countChat('gpt-4o', ms, tools).tokens);
	});
});
