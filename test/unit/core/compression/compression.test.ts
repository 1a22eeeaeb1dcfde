import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultEngineConfig } from '../../../../src/core/config/parseEngineConfig';
import type { Summarizer } from '../../../../src/core/ports/summarizer';
import { compressionTrigger, estimatingSummarizer, slidingWindow, summarizeHistory, truncateHistory } from '../../../../src/core/compression/history';
import type { EngineMessage } from '../../../../src/core/compression/messages';
import { countMessages, groupMessages, lastUserTurnIndex } from '../../../../src/core/compression/messages';
import { truncateToolOutput, truncateToolOutputs } from '../../../../src/core/compression/toolOutput';
import { wordCounter, words } from '../../../support/policyFakes';

const model = 'gpt-4o';
const o = { model, counter: wordCounter };
const sys: EngineMessage = { role: 'system', content: 'You are a coding agent.' };
const user = (t: string): EngineMessage => ({ role: 'user', content: t });
const asst = (t: string): EngineMessage => ({ role: 'assistant', content: t });

/** An agent history: system, task, then `steps` tool exchanges of `size` words each. */
function agentRun(steps: number, size: number): EngineMessage[] {
	const out: EngineMessage[] = [sys, user('Fix the failing test in parser.ts')];
	for (let i = 0; i < steps; i++) {
		out.push({ role: 'assistant', content: `call ${i}`, toolCallIds: [`c${i}`] });
		out.push({ role: 'tool', content: words(size, `r${i}`), toolResultIds: [`c${i}`] });
	}
	return out;
}

function pairsIntact(ms: readonly EngineMessage[]): boolean {
	const calls = new Set(ms.flatMap(m => m.toolCallIds ?? []));
	const results = new Set(ms.flatMap(m => m.toolResultIds ?? []));
	return [...calls].every(c => results.has(c)) && [...results].every(r => calls.has(r));
}

describe('compression triggers: the 20-step run with 500 tokens per step (worked example)', () => {
	it('fires on tokens at step 9 (4,500 > 4,000) and on steps at 10 and 20', () => {
		const config = defaultEngineConfig();
		const fired: string[] = [];
		for (let step = 1; step <= 20; step++) {
			// Without compression the prompt of step k holds k·500 tokens.
			const t = compressionTrigger({ tokens: 500 * step, step, contextWindow: 128_000 }, config);
			if (t) fired.push(`${step}:${t.kind}`);
		}
		// Tokens win over steps when both apply (steps 10, 20 are also over 4,000).
		assert.deepEqual(fired.slice(0, 3), ['9:tokens', '10:tokens', '11:tokens']);
		// With compression back to 1,500 recent tokens the history regrows by 500/step: compressed at 9 and
		// (by the step trigger) at 10, it holds 1,500 + (k−10)·500 and exceeds 4,000 again at step 16.
		const events: string[] = [];
		let tokens = 0;
		for (let step = 1; step <= 20; step++) {
			tokens += 500;
			const t = compressionTrigger({ tokens, step }, config);
			if (t) {
				events.push(`${step}:${t.kind}`);
				tokens = Math.min(tokens, 1500);
			}
		}
		assert.deepEqual(events, ['9:tokens', '10:steps', '16:tokens', '20:steps']);
	});

	it('fires at the context-window share, capped by contextWindowMax', () => {
		const config = { ...defaultEngineConfig(), compression: { ...defaultEngineConfig().compression, maxTokensBeforeCompression: 1e9 } };
		assert.equal(compressionTrigger({ tokens: 102_401, contextWindow: 200_000 }, config)?.kind, 'contextWindow'); // 80 % of min(200k, 128k)
		assert.equal(compressionTrigger({ tokens: 102_399, contextWindow: 200_000 }, config), undefined);
		assert.equal(compressionTrigger({ tokens: 13_000, contextWindow: 16_000 }, config)?.kind, 'contextWindow');
	});
});

describe('keep-recent truncation', () => {
	it('keeps the system prompt, the task and the newest 1,500 tokens of tool exchanges (worked example)', () => {
		const run = agentRun(8, 500); // 8 exchanges of ~506 tokens each
		const r = truncateHistory(run, 1500, o);
		assert.equal(r.applied, true);
		assert.equal(r.messages[0], sys);
		assert.equal(r.messages[1].content, 'Fix the failing test in parser.ts');
		// Each exchange: assistant "call i" (4+2) + tool result (4+500) = 510 tokens; 2 fit in 1,500, 3 do not.
		assert.deepEqual(
			r.messages.slice(2).map(m => m.toolCallIds?.[0] ?? m.toolResultIds?.[0]),
			['c6', 'c6', 'c7', 'c7'],
		);
		assert.ok(pairsIntact(r.messages));
		assert.equal(r.saved, 6 * 510);
		assert.deepEqual(r.changes, [{ kind: 'dropped', from: 2, to: 14, messages: 12, tokens: 3060 }]);
	});

	it('always keeps at least the newest group even when it alone exceeds the budget', () => {
		const r = truncateHistory(agentRun(3, 2000), 100, o);
		assert.ok(pairsIntact(r.messages));
		assert.equal(r.messages.at(-1)!.toolResultIds![0], 'c2');
	});

	it('never drops the system message or the last user turn; keeps tool pairs; idempotent (property)', () => {
		const msg = fc.oneof<fc.Arbitrary<EngineMessage>[]>(
			fc.record({ role: fc.constantFrom('user', 'assistant', 'system'), content: fc.lorem({ maxCount: 60 }) }),
			fc.integer({ min: 0, max: 1e6 }).map(n => ({ role: 'assistant', content: `tool call ${n}`, toolCallIds: [`t${n}`] })),
		);
		fc.assert(
			fc.property(fc.array(msg, { maxLength: 40 }), fc.integer({ min: 0, max: 400 }), (raw, keep) => {
				// Give every tool call its result right after it.
				const ms: EngineMessage[] = raw.flatMap((m): EngineMessage[] => (m.toolCallIds ? [m, { role: 'tool', content: 'ok done', toolResultIds: m.toolCallIds }] : [m]));
				const r = truncateHistory(ms, keep, o);
				for (const m of ms) if (m.role === 'system') assert.ok(r.messages.includes(m));
				const lu = lastUserTurnIndex(ms);
				if (lu >= 0) assert.ok(r.messages.includes(ms[lu]));
				assert.ok(pairsIntact(r.messages));
				// Order preserved.
				const idx = r.messages.map(m => ms.indexOf(m));
				assert.deepEqual(
					idx,
					[...idx].sort((a, b) => a - b),
				);
				assert.deepEqual(truncateHistory(r.messages, keep, o).messages, r.messages);
				assert.ok(r.tokensAfter <= r.tokensBefore);
			}),
			{ numRuns: 300 },
		);
	});
});

describe('sliding window', () => {
	it('keeps first N + last N with one omission marker, and merges markers when re-applied', () => {
		const ms = [sys, user('task'), ...Array.from({ length: 10 }, (_, i) => asst(`step ${i} ${words(10)}`)), user('continue')];
		const r = slidingWindow(ms, 3, o);
		assert.deepEqual(
			r.messages.map(m => m.content.slice(0, 6)),
			['You ar', 'task', 'step 0', '[7 ear', 'step 8', 'step 9', 'contin'],
		);
		const marker = r.messages[3];
		assert.equal(marker.compression?.kind, 'marker');
		// steps 1–7: 7 × (12 words + 4 overhead)
		assert.match(marker.content, /7 earlier messages \(112 tokens\) omitted/);
		// Idempotent.
		assert.equal(slidingWindow(r.messages, 3, o).applied, false);
		// A longer history later: the old marker (7) and steps 8, 9 are folded into one marker; the task
		// "continue" stays because it is the last user turn.
		const later = slidingWindow([...r.messages, asst('a'), asst('b'), asst('c')], 3, o);
		assert.equal(later.messages.filter(m => m.compression?.kind === 'marker').length, 1);
		assert.match(later.messages.find(m => m.compression)!.content, /^\[9 earlier messages \(144 tokens\)/);
	});

	it('never splits a tool call from its result and keeps pinned messages (property)', () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 6 }), (steps, n) => {
				const ms = [...agentRun(steps, 5), user('next')];
				const r = slidingWindow(ms, n, o);
				assert.ok(pairsIntact(r.messages.filter(m => !m.compression)));
				assert.ok(r.messages.includes(sys));
				assert.ok(r.messages.includes(ms.at(-1)!));
				assert.equal(slidingWindow(r.messages, n, o).applied, false);
			}),
		);
	});
});

describe('summarization', () => {
	it('replay mode: estimates a 600-token summary and its usage on the summary model', async () => {
		const run = agentRun(8, 500);
		const r = await summarizeHistory(run, { ...o, keepRecentTokens: 1500, summaryModel: 'gpt-4o-mini', summaryMaxTokens: 600, summarizer: estimatingSummarizer });
		assert.equal(r.messages[0], sys);
		assert.equal(r.messages[2].compression?.kind, 'summary');
		assert.equal(r.messages[2].compression?.tokens, 600);
		// 12 summarized messages = 3,060 tokens of content + chat overhead counted by the summary model's counter.
		assert.equal(r.summary?.model, 'gpt-4o-mini');
		assert.equal(r.summary?.usage.input, 3 + 3060 + 60);
		assert.equal(r.summary?.usage.output, 600);
		assert.equal(r.summary?.estimated, true);
		// After: system (4+5) + task (4+6) + summary (4+600) + 2 exchanges (1,020) + primer 3.
		assert.equal(r.tokensAfter, 9 + 10 + 604 + 1020 + 3);
		assert.equal(countMessages(wordCounter, model, r.messages).tokens, r.tokensAfter);
	});

	it('live mode folds a previous summary into the next one (rolling summary)', async () => {
		const seen: number[] = [];
		const fake: Summarizer = {
			async summarize({ messages }) {
				seen.push(messages.length);
				return { text: `summary of ${messages.length}`, usage: { input: 1, output: 3, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 0 }, estimated: false };
			},
		};
		const opts = { ...o, keepRecentTokens: 600, summaryModel: 'gpt-4o-mini', summaryMaxTokens: 600, summarizer: fake };
		const first = await summarizeHistory(agentRun(4, 500), opts);
		const second = await summarizeHistory([...first.messages, ...agentRun(6, 500).slice(10)], opts);
		// 1st: 3 of 4 exchanges (6 messages); 2nd: the old summary + exchanges c3, c4 (5 messages).
		assert.deepEqual(seen, [6, 5]);
		assert.equal(second.messages.filter(m => m.compression?.kind === 'summary').length, 1);
		assert.equal(second.messages.find(m => m.compression)!.compression!.replaces, 10);
	});
});

describe('tool output truncation', () => {
	it('JSON arrays keep the first items and say how many were cut; the output stays valid JSON', () => {
		const rows = Array.from({ length: 500 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'] }));
		const r = truncateToolOutput(JSON.stringify(rows), 300, model, wordCounter);
		assert.equal(r.shape, 'json');
		const parsed = JSON.parse(r.text);
		assert.deepEqual(parsed[0], rows[0]);
		assert.match(parsed.at(-1), /more items omitted \(500 total\)/);
		assert.ok(r.tokensAfter <= 300);
		assert.match(r.note, /array items/);
	});

	it('JSON objects keep their keys', () => {
		const obj = { status: 'ok', items: Array.from({ length: 300 }, (_, i) => `entry number ${i}`), meta: { page: 1, total: 300 } };
		const r = truncateToolOutput(JSON.stringify(obj), 120, model, wordCounter);
		const parsed = JSON.parse(r.text);
		assert.deepEqual(Object.keys(parsed), ['status', 'items', 'meta']);
		assert.equal(parsed.meta.total, 300);
	});

	it('logs keep head and tail with a count of omitted lines', () => {
		const log = Array.from({ length: 1000 }, (_, i) => `line ${i} ok`).join('\n') + '\nERROR: boom at the end';
		const r = truncateToolOutput(log, 200, model, wordCounter);
		assert.equal(r.shape, 'lines');
		assert.ok(r.text.startsWith('line 0 ok'));
		assert.ok(r.text.endsWith('ERROR: boom at the end'));
		assert.match(r.text, /lines omitted \(kept the first \d+ and last \d+ of 1,001\)/);
		assert.ok(r.tokensAfter <= 200);
	});

	it('fits the limit for any input and is idempotent (property)', () => {
		fc.assert(
			fc.property(
				fc.oneof(
					fc.lorem({ maxCount: 400 }),
					fc.json({ maxDepth: 4 }),
					fc.array(fc.lorem({ maxCount: 8 }), { maxLength: 200 }).map(a => a.join('\n')),
				),
				fc.integer({ min: 40, max: 200 }),
				(text, max) => {
					const r = truncateToolOutput(text, max, model, wordCounter);
					assert.ok(r.tokensAfter <= Math.max(max, 0) || !r.truncated, `${r.tokensAfter} > ${max}`);
					if (r.truncated) assert.ok(r.note.length > 0);
					assert.equal(truncateToolOutput(r.text, max, model, wordCounter).truncated, false);
				},
			),
			{ numRuns: 200 },
		);
	});

	it('history pass truncates only tool results', () => {
		const ms = agentRun(2, 3000);
		const r = truncateToolOutputs(ms, 2000, model, wordCounter);
		assert.equal(r.changes.length, 2);
		assert.equal(r.messages[2], ms[2]);
	});
});

describe('message groups', () => {
	it('groups tool calls with all their results (parallel calls)', () => {
		const ms: EngineMessage[] = [
			sys,
			user('x'),
			{ role: 'assistant', content: 'two calls', toolCallIds: ['a', 'b'] },
			{ role: 'tool', content: '1', toolResultIds: ['a'] },
			{ role: 'tool', content: '2', toolResultIds: ['b'] },
			asst('done'),
		];
		assert.deepEqual(
			groupMessages(ms).map(g => [g.start, g.end]),
			[
				[0, 1],
				[1, 2],
				[2, 5],
				[5, 6],
			],
		);
	});
});
