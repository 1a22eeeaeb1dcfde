import * as assert from 'node:assert/strict';
import { lensTooltipCommands, renderLens, type LensViewInput } from '../../../../src/core/lens/lensView';
import { createPriceCatalog } from '../../../../src/core/pricing/catalog';
import type { PromptCount } from '../../../../src/core/lens/workerProtocol';

describe('lens view (status bar text, tooltip, colour)', () => {
	const catalog = createPriceCatalog({ now: () => new Date('2026-11-01T00:00:00Z') });
	const prompt: PromptCount = {
		format: 'text',
		tokens: 12_345,
		exact: true,
		method: 'o200k_base',
		version: 3,
		messages: 1,
		overhead: 7,
		modelSource: 'default',
		compare: [
			{ model: 'gpt-4o-mini', tokens: 12_345, exact: true, method: 'o200k_base' },
			{ model: 'claude-opus-4-6', tokens: 13_820, exact: false, method: 'claude-estimate' },
		],
	};
	const base: LensViewInput = {
		fileName: 'review.prompt',
		prompt,
		model: 'gpt-4o',
		updating: false,
		exactCount: { state: 'notApplicable' },
		price: catalog.describe('gpt-4o'),
		tiers: [
			{ tier: 'cheap', model: 'gpt-4o-mini', price: catalog.describe('gpt-4o-mini') },
			{ tier: 'medium', model: 'gpt-4o', price: catalog.describe('gpt-4o') },
			{ tier: 'expensive', model: 'claude-opus-4-6', price: catalog.describe('claude-opus-4-6') },
		],
		maxOutputTokens: 2048,
		contextWindowMax: 128_000,
	};

	it("shows tokens · the prompt's own (input) cost at a precision that moves with edits · model; the setting picks another figure", () => {
		const v = renderLens(base);
		// 12,345 × $2.50/M = $0.0308625 → 3 significant digits
		assert.equal(v.text, '$(symbol-numeric) 12,345 tok · $0.0309 · gpt-4o');
		assert.equal(v.warning, false);
		assert.ok(Math.abs(v.shown.usd! - 0.0308625) < 1e-12);
		// Shortening the prompt by a few tokens moves the figure (the assumed output used to hide it).
		const shorter = renderLens({ ...base, prompt: { ...prompt, tokens: 130 } });
		const shorter2 = renderLens({ ...base, prompt: { ...prompt, tokens: 126 } });
		assert.match(shorter.text, /\$0\.000325 /);
		assert.match(shorter2.text, /\$0\.000315 /);
		// + 2,048 × $10/M = 0.0513425 with the assumed output; ×1,000 per thousand calls.
		assert.equal(renderLens({ ...base, costShown: 'withOutput' }).text, '$(symbol-numeric) 12,345 tok · $0.0513 w/ output · gpt-4o');
		assert.equal(renderLens({ ...base, costShown: 'inputPer1000' }).text, '$(symbol-numeric) 12,345 tok · $30.86/1k calls · gpt-4o');
		assert.match(v.tooltip, /\*\*Input \$0\.0309\*\* for the prompt \(\$30\.86 per 1,000 calls\) — the status bar figure\. \*\*With output \$0\.051\*\*: \+ 2,048 assumed output tokens/);
	});

	it('the tooltip states the convention, method, output assumption, cached price, window share and tiers', () => {
		const t = renderLens(base).tooltip;
		assert.match(t, /one user message.*\+ 7 tokens of chat framing/);
		assert.match(t, /exact \(o200k_base tokenizer/);
		assert.match(t, /2,048 tokens assumed .*agentCost\.defaults\.maxOutputTokens/);
		assert.match(t, /Cached input: \$1\.25\/M/);
		assert.match(t, /\*\*Context window\*\* 9\.6% of 128,000 tokens \(the model's own\); 11% with the assumed output/);
		// 12,345 × $0.15/M = $0.00185 per call, $1.85 per 1,000 calls.
		assert.match(t, /\| cheap \| `gpt-4o-mini` \| 12,345 \| \$0\.00185 \| \$1\.85 \|/);
		assert.match(t, /\| expensive \| `claude-opus-4-6` \| ≈13,820 \| ≈\$0\.0691 \| ≈\$69\.10 \|/);
		assert.match(t, /command:agentCost\.lens\.pickModel/);
		assert.match(t, /command:workbench\.action\.openSettings\?%5B%22agentCost\.lens%22%5D/);
		for (const m of t.matchAll(/\(command:([\w.]+)/g)) assert.ok(lensTooltipCommands.includes(m[1]), `${m[1]} is a trusted command`);
	});

	it('a model with per-use server-tool fees says so in the tooltip (web search, file search)', () => {
		const t = renderLens(base).tooltip;
		assert.match(t, /Server tools billed per use, on top of tokens \(not in this estimate\): web search \$10\.00\/1,000, file search \$2\.50\/1,000/);
		const noFees = renderLens({ ...base, model: 'gpt-4.1-nano', price: catalog.describe('gpt-4.1-nano') }).tooltip;
		assert.doesNotMatch(noFees, /Server tools billed per use/);
	});

	it('marks estimates with ≈ in the text and the price', () => {
		const v = renderLens({ ...base, model: 'claude-sonnet-4-5', price: catalog.describe('claude-sonnet-4-5'), prompt: { ...prompt, exact: false, method: 'claude-estimate' } });
		assert.match(v.text, /^\$\(symbol-numeric\) ≈12,345 tok · ≈\$0\.\d{3} · claude-sonnet-4-5$/);
		assert.match(v.tooltip, /Claude has no public tokenizer/);
	});

	it('an unknown model shows "no price", never $0, with the way to add one', () => {
		const v = renderLens({ ...base, model: 'my-private-model', price: catalog.describe('my-private-model') });
		assert.equal(v.text, '$(symbol-numeric) 12,345 tok · no price · my-private-model');
		assert.match(v.tooltip, /\*\*No price\*\* for `my-private-model`/);
		assert.match(v.tooltip, /agentCost\.pricing\.overrides/);
		assert.equal(v.shown.usd, undefined);
		assert.doesNotMatch(v.text, /\$0/);
	});

	it('shows the selection count (and prices it) when there is a selection', () => {
		const v = renderLens({ ...base, selection: { tokens: 120, exact: true, ranges: 2 } });
		assert.equal(v.text, '$(symbol-numeric) 120 tok selected · $0.0003 · gpt-4o');
		assert.match(v.tooltip, /\*\*Selection\*\* 120 tokens of raw text in 2 ranges/);
		assert.match(v.tooltip, /Whole prompt: \$0\.051/);
		assert.equal(v.shown.selection, true);
	});

	it('turns to the warning colour once prompt + assumed output pass the window (model window capped by the setting)', () => {
		assert.equal(renderLens({ ...base, prompt: { ...prompt, tokens: 125_952 } }).warning, false, '125,952 + 2,048 = 128,000 fits');
		const over = renderLens({ ...base, prompt: { ...prompt, tokens: 125_953 } });
		assert.equal(over.warning, true);
		assert.match(over.text, /^\$\(warning\) /);
		assert.match(over.tooltip, /Past the context window/);
		// gpt-4.1 has a 1M window, capped at 128,000 by default; a larger cap moves the limit.
		const big = { ...base, model: 'gpt-4.1', price: catalog.describe('gpt-4.1'), prompt: { ...prompt, tokens: 200_000 } };
		assert.equal(renderLens(big).warning, true);
		assert.equal(renderLens({ ...big, contextWindowMax: 1_000_000 }).warning, false);
		assert.match(renderLens(big).tooltip, /capped by `agentCost\.contextWindowMax`/);
	});

	it("uses the file's max_tokens as the output assumption when the file names one", () => {
		const v = renderLens({ ...base, prompt: { ...prompt, fileMaxOutputTokens: 400, modelSource: 'file', format: 'prompty', messages: 2 } });
		// 12,345 × 2.5 + 400 × 10 per M = 0.0308625 + 0.004
		assert.ok(
			Math.abs(renderLens({ ...base, costShown: 'withOutput', prompt: { ...prompt, fileMaxOutputTokens: 400, modelSource: 'file', format: 'prompty', messages: 2 } }).shown.usd! - 0.0348625) < 1e-12,
		);
		assert.match(v.tooltip, /400 tokens assumed \(the file's `max_tokens`\)/);
		assert.match(v.tooltip, /the file's front matter/);
	});

	it('names where the model came from, and shows problems of the file', () => {
		assert.match(renderLens({ ...base, prompt: { ...prompt, modelSource: 'pinned', fileModel: 'gpt-4o-mini' } }).tooltip, /your pick for this file \(the file names `gpt-4o-mini`\)/);
		assert.match(renderLens(base).tooltip, /setting `agentCost\.lens\.model`/);
		const broken = renderLens({ ...base, prompt: { ...prompt, format: 'chat', exact: false, problem: 'not (yet) a chat: x' } });
		assert.match(broken.tooltip, /_not \\\(yet\\\) a chat: x_/);
		assert.match(broken.text, /≈12,345/);
	});

	it('a tier model on another tokenizer family is marked as approximated', () => {
		const v = renderLens({ ...base, tiers: [{ tier: 'cheap', model: 'gpt-4', price: catalog.describe('gpt-4') }] });
		assert.match(v.tooltip, /\| cheap \| `gpt-4` \| ≈12,345¹ \|/);
		assert.match(v.tooltip, /¹ counted with `gpt-4o`'s tokenizer/);
	});

	it('while prices load it shows $… rather than a number', () => {
		const v = renderLens({ ...base, price: undefined });
		assert.equal(v.text, '$(symbol-numeric) 12,345 tok · $… · gpt-4o');
	});

	it('shows the exact Claude count once Anthropic answered, and the states before that', () => {
		const claude = { ...base, model: 'claude-sonnet-4-5', price: catalog.describe('claude-sonnet-4-5'), prompt: { ...prompt, exact: false, method: 'claude-estimate' as const } };
		const exact = renderLens({ ...claude, exactCount: { state: 'exact', tokens: 13_001 } });
		assert.match(exact.text, /^\$\(symbol-numeric\) 13,001 tok · \$0\.\d{3} · claude-sonnet-4-5$/);
		assert.match(exact.tooltip, /countTokens API \(estimate: ≈12,345\)/);
		assert.match(renderLens({ ...claude, exactCount: { state: 'off' } }).tooltip, /enable agentCost\.tokens\.exactClaudeCount/);
		assert.match(renderLens({ ...claude, exactCount: { state: 'noKey' } }).tooltip, /no Anthropic key/);
		assert.match(renderLens({ ...claude, exactCount: { state: 'failed', message: 'auth: invalid x-api-key' } }).tooltip, /failed: auth: invalid x\\-api\\-key/);
	});

	it('file names and model ids cannot inject Markdown or command links', () => {
		const v = renderLens({ ...base, fileName: '[x](command:evil).prompt', model: 'a`b', price: catalog.describe('a`b') });
		assert.doesNotMatch(v.tooltip, /\]\(command:evil\)/);
		assert.match(v.tooltip, /`a'b`/);
	});
});
