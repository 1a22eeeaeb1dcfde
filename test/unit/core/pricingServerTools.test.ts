import * as assert from 'node:assert/strict';
import { createPriceCatalog } from '../../../src/core/pricing/catalog';
import { parsePriceOverrides } from '../../../src/core/pricing/overrides';
import type { CostResult } from '../../../src/core/pricing/types';
import { addUsage, fromAnthropicUsage, fromOpenAIResponsesUsage, geminiServerTools, responsesServerTools, type Usage, zeroUsage } from '../../../src/core/pricing/usage';
import { accountTranscript } from '../../../src/core/transcripts/accounting';
import { reportEntry } from '../../../src/core/transcripts/reportEntry';
import { importPublicFixture } from './transcripts/transcriptTestKit';

/**
 * Server-tool fees (web search, file search…): billed per use on top of tokens wherever the price
 * data knows the fee, an explicit unpriced fee otherwise — never a silent $0.
 */

const usage = (u: Partial<Usage>): Usage => ({ ...zeroUsage, ...u });
const catalog = createPriceCatalog({ now: () => new Date('2026-06-01T12:00:00Z') });
type Priced = Extract<CostResult, { kind: 'priced' }>;

function priced(r: CostResult): Priced {
	assert.equal(r.kind, 'priced', r.kind === 'unpriced' ? r.reason : '');
	return r as Priced;
}

function assertUsd(actual: number, expected: number, what = 'usd'): void {
	assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: expected ${expected}, got ${actual}`);
}

describe('server tools: normalizing the provider shapes', () => {
	it('Anthropic server_tool_use → serverTools by canonical name; zero counts are dropped', () => {
		const u = fromAnthropicUsage({ input_tokens: 100, output_tokens: 10, server_tool_use: { web_search_requests: 2, web_fetch_requests: 0 } });
		assert.deepEqual(u.serverTools, { web_search: 2 });
		assert.equal(fromAnthropicUsage({ input_tokens: 1, output_tokens: 1, server_tool_use: { web_search_requests: 0 } }).serverTools, undefined);
	});

	it('Anthropic output_tokens_details.thinking_tokens is the reasoning part of output (never more than output)', () => {
		assert.equal(fromAnthropicUsage({ input_tokens: 5, output_tokens: 300, output_tokens_details: { thinking_tokens: 220 } }).reasoning, 220);
		assert.equal(fromAnthropicUsage({ input_tokens: 5, output_tokens: 30, output_tokens_details: { thinking_tokens: 220 } }).reasoning, 30);
	});

	it('OpenAI Responses: web/file search calls are counted from output[] (failed ones are not billed); cache_write_tokens are writes', () => {
		const output = [
			{ type: 'web_search_call', status: 'completed' },
			{ type: 'web_search_call', status: 'failed' },
			{ type: 'file_search_call', status: 'completed' },
			{ type: 'function_call', status: 'completed' },
			{ type: 'message' },
		];
		assert.deepEqual(responsesServerTools(output), { web_search: 1, file_search: 1 });
		const u = fromOpenAIResponsesUsage({ input_tokens: 4020, input_tokens_details: { cached_tokens: 0, cache_write_tokens: 4012 }, output_tokens: 4 }, { output });
		assert.deepEqual(u, { input: 4020, cacheRead: 0, cacheWrite5m: 4012, cacheWrite1h: 0, output: 4, reasoning: 0, serverTools: { web_search: 1, file_search: 1 } });
	});

	it('Gemini grounding: one use per search query, at least one per grounded candidate', () => {
		assert.deepEqual(geminiServerTools([{ groundingMetadata: { webSearchQueries: ['a', 'b'] } }]), { web_search: 2 });
		assert.deepEqual(geminiServerTools([{ groundingMetadata: { groundingChunks: [] } }]), { web_search: 1 });
		assert.equal(geminiServerTools([{ content: {} }]), undefined);
	});

	it('addUsage sums uses per tool and keeps plain usage plain', () => {
		const a = usage({ input: 1, serverTools: { web_search: 2 } });
		const b = usage({ input: 2, serverTools: { web_search: 1, file_search: 3 } });
		assert.deepEqual(addUsage(a, b).serverTools, { web_search: 3, file_search: 3 });
		assert.equal('serverTools' in addUsage(usage({ input: 1 }), usage({ input: 2 })), false);
	});
});

describe('server tools: pricing', () => {
	it('claude-sonnet-4-5 with 2 web searches: tokens + 2 × $10/1,000 = $0.02 on top, shown in the breakdown', () => {
		// 22,397 × $3/M = $0.067191; 637 × $15/M = $0.009555; 2 × $0.01 = $0.02 → $0.096746
		const r = priced(catalog.cost('claude-sonnet-4-5', usage({ input: 22_397, output: 637, serverTools: { web_search: 2 } })));
		assertUsd(r.usd, 0.096746);
		assert.deepEqual(r.breakdown.serverTools, { web_search: 0.02 });
		assert.equal(r.unpricedFees, undefined);
		assert.ok(r.notes.some(n => n.includes('2 web search uses × $10 per 1,000')));
	});

	it('a batch call discounts tokens, not the per-use fee', () => {
		// (1,000 × $3 + 100 × $15)/M × 0.5 = $0.00225; + 1 × $0.01
		assertUsd(priced(catalog.cost('claude-sonnet-4-5', usage({ input: 1_000, output: 100, serverTools: { web_search: 1 } }), { batch: true })).usd, 0.01225);
	});

	it('web fetch on Anthropic has no per-use fee: noted with the documentation, not an unpriced fee', () => {
		const r = priced(catalog.cost('claude-sonnet-4-20250514', usage({ input: 1_000, output: 100, serverTools: { web_fetch: 1 } })));
		assertUsd(r.usd, 0.0045);
		assert.equal(r.unpricedFees, undefined);
		assert.ok(r.notes.some(n => n.includes('Web fetch usage has no additional charges')));
	});

	it('a tool whose fee the data does not know is an explicit unpriced fee: tokens priced, the fee named, never $0 silently', () => {
		const r = priced(catalog.cost('claude-sonnet-4-5', usage({ input: 1_000, output: 100, serverTools: { code_execution: 1 } })));
		assertUsd(r.usd, 0.0045);
		assert.deepEqual(r.unpricedFees, [{ tool: 'code_execution', uses: 1 }]);
		assert.ok(r.notes.some(n => n.startsWith('unpriced fee: 1 code execution use') && n.includes('serverToolFees')));
		// Gemini grounding: genai-prices has no grounding fee.
		assert.deepEqual(priced(catalog.cost('gemini-2.5-flash', usage({ input: 1_000, output: 100, serverTools: { web_search: 1 } }))).unpricedFees, [{ tool: 'web_search', uses: 1 }]);
	});

	it('OpenAI file search: $2.50 per 1,000 calls (the dataset prices it as storage searches)', () => {
		// 870 × $2.50/M = $0.002175; 30 × $10/M = $0.0003; 1 × $0.0025
		assertUsd(priced(catalog.cost('gpt-4o', usage({ input: 870, output: 30, serverTools: { file_search: 1 } }))).usd, 0.004975);
	});

	it('an override can price a fee the data lacks ("serverToolFees", USD per 1,000 uses)', () => {
		const { overrides, problems } = parsePriceOverrides({
			'claude-sonnet-4-5': { input: 3, output: 15, serverToolFees: { code_execution: 50 } },
			bad: { input: 1, output: 1, serverToolFees: { x: -1 } },
		});
		assert.equal(problems.filter(p => p.includes('"bad"')).length, 2);
		const r = priced(createPriceCatalog({ overrides }).cost('claude-sonnet-4-5', usage({ input: 1_000, output: 100, serverTools: { code_execution: 2 } })));
		assertUsd(r.usd, 0.0045 + 0.1);
		assert.deepEqual(r.breakdown.serverTools, { code_execution: 0.1 });
	});
});

describe('server tools: real recordings', () => {
	it('an Anthropic web search run (2 searches, pydantic-ai cassette): the report bills the fee', () => {
		const t = importPublicFixture('anthropic_messages/pydai_anthropic_web_search_tool_stream.json');
		assert.deepEqual(t.calls[0].usage.serverTools, { web_search: 2 });
		const account = accountTranscript(t, catalog);
		// claude-sonnet-4-20250514: 22,397 × $3/M + 637 × $15/M + 2 × $0.01 = $0.096746 (without the fee $0.076746: 20.7 % low)
		assertUsd(account.computedUsd!, 0.096746);
		assert.deepEqual(reportEntry(t, account).usage.serverTools, { web_search: 2 });
		assert.equal(reportEntry(t, account).computedCostComplete, true);
	});

	it('an OpenAI Responses web search run: each web_search_call item is billed', () => {
		const t = importPublicFixture('openai_responses/pydai_openai_responses_web_search_tool.json');
		assert.deepEqual(
			t.calls.map(c => c.usage.serverTools),
			[{ web_search: 1 }, { web_search: 1 }],
		);
		const account = accountTranscript(t, catalog);
		const tokensOnly = accountTranscript({ ...t, calls: t.calls.map(c => ({ ...c, usage: { ...c.usage, serverTools: undefined } })) }, catalog);
		assertUsd(account.computedUsd! - tokensOnly.computedUsd!, 0.02);
	});

	it('an unpriced fee reaches the report as a warning and makes the computed cost incomplete', () => {
		const t = importPublicFixture('anthropic_messages/pydai_anthropic_web_search_tool_stream.json');
		const withExecution = { ...t, calls: t.calls.map(c => ({ ...c, usage: { ...c.usage, serverTools: { code_execution: 3 } } })) };
		const account = accountTranscript(withExecution, catalog);
		assert.deepEqual(account.unpricedFees, [{ tool: 'code_execution', uses: 3 }]);
		assert.ok(account.warnings.some(w => w.code === 'unpricedFee' && w.message.includes('3 code_execution use(s)')));
		assert.equal(reportEntry(withExecution, account).computedCostComplete, false);
	});
});
