/**
 * What the status-bar lens shows for a prompt file: the item's text, its Markdown tooltip and
 * whether it wears the warning colour. Pure (the extension only copies the result onto the
 * `StatusBarItem`), so every wording and number rule is unit-tested.
 *
 * Rules: estimates are marked `≈`; a model without a price shows "no price" (never $0) with the way
 * to add one; the bar's figure is the prompt's input cost (or per 1,000 calls, or with the assumed
 * output: `agentCost.lens.cost`), the tooltip shows all three; the window is the model's own capped by `agentCost.contextWindowMax`, and prompt + assumed
 * output past it turns the item to the warning colour.
 */
import type { LensCostShown } from '../config/defaults';
import { formatPerMtok, formatTokens, formatUsd, formatUsdPrecise } from '../pricing/format';
import type { ModelPriceInfo, UnpricedModel } from '../pricing/types';
import type { CountMethod } from '../tokens/types';
import type { ModelTokenCount, PromptCount } from './workerProtocol';
import { effectiveContextWindow, lensCost } from './lensCost';

export type LensPrice = ModelPriceInfo | UnpricedModel;

export type TierName = 'cheap' | 'medium' | 'expensive';

export interface LensTier {
	readonly tier: TierName;
	readonly model: string;
	/** Undefined while the worker has not answered yet. */
	readonly price: LensPrice | undefined;
}

/** The opt-in exact Claude count (Anthropic countTokens), as far as the lens got with it. */
export type ExactCountState =
	| { readonly state: 'notApplicable' }
	| { readonly state: 'off' }
	| { readonly state: 'noKey' }
	| { readonly state: 'pending' }
	| { readonly state: 'exact'; readonly tokens: number }
	| { readonly state: 'failed'; readonly message: string };

export interface LensViewInput {
	/** The file's name (last path segment), for the tooltip's title. */
	readonly fileName: string;
	readonly prompt: PromptCount;
	/** The model the prompt is counted and priced for. */
	readonly model: string;
	/** True while a newer version than `prompt.version` is being counted. */
	readonly updating: boolean;
	/** Non-empty selections: their raw text count. */
	readonly selection?: { readonly tokens: number; readonly exact: boolean; readonly ranges: number };
	readonly exactCount: ExactCountState;
	/** Undefined while the worker has not answered yet. */
	readonly price: LensPrice | undefined;
	readonly tiers: readonly LensTier[];
	/** `agentCost.defaults.maxOutputTokens`. */
	readonly maxOutputTokens: number;
	/** `agentCost.contextWindowMax`. */
	readonly contextWindowMax: number;
	/** What the status-bar figure is (`agentCost.lens.cost`). @default 'input' */
	readonly costShown?: LensCostShown;
}

export interface LensView {
	readonly text: string;
	/** Markdown for a trusted `MarkdownString` whose command links are {@link lensTooltipCommands}. */
	readonly tooltip: string;
	readonly warning: boolean;
	readonly accessibilityLabel: string;
	/** The numbers shown, for tests and automation. */
	readonly shown: { readonly tokens: number; readonly exact: boolean; readonly usd?: number; readonly selection: boolean };
}

/** The command ids the tooltip links to (the host trusts exactly these). */
export const pickModelCommand = 'agentCost.lens.pickModel';
export const lensTooltipCommands: readonly string[] = [pickModelCommand, 'workbench.action.openSettings'];

function settingsLink(label: string, query: string): string {
	return `[${label}](command:workbench.action.openSettings?${encodeURIComponent(JSON.stringify([query]))})`;
}

/** Inline code that cannot break out of its span (model ids come from files and settings). */
function code(text: string): string {
	return (
		'`' +
		text
			.replace(/`/g, "'")
			.replace(/[\r\n]+/g, ' ')
			.slice(0, 120) +
		'`'
	);
}

/** Plain text safe inside Markdown (file names, reasons from the engine). */
function escapeMarkdown(text: string): string {
	return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&').replace(/[\r\n]+/g, ' ');
}

function methodText(method: CountMethod, exact: boolean): string {
	switch (method) {
		case 'claude-estimate':
			return '≈ estimate: Claude has no public tokenizer (o200k × 1.12, calibrated on real Anthropic counts)';
		case 'heuristic-estimate':
			return '≈ estimate: no public tokenizer for this model (o200k × 1.1)';
		case 'provider-count':
			return 'exact: counted by the provider';
		default:
			return exact
				? `exact (${method} tokenizer, chat framing validated for this model)`
				: `≈ (${method} tokenizer; the chat framing or tool rendering is not validated for this model, or a very long run is still being counted)`;
	}
}

function conventionText(prompt: PromptCount): string {
	switch (prompt.format) {
		case 'text':
			return `Counted as **one user message**: the file's text after any front matter, trimmed${prompt.overhead !== undefined ? `, + ${prompt.overhead} tokens of chat framing` : ''}.`;
		case 'prompty':
			return `Counted as the chat its \`system:\`/\`user:\`/\`assistant:\` sections make (${prompt.messages} message${prompt.messages === 1 ? '' : 's'}, \`{{placeholders}}\` filled from \`sample:\`), with the chat framing.`;
		case 'chat':
			return `Counted as a chat request: ${prompt.messages} message${prompt.messages === 1 ? '' : 's'}${prompt.tools ? ` and ${prompt.tools} tool definition${prompt.tools === 1 ? '' : 's'}` : ''}, with the per-message framing (as \`agent-cost count\` does).`;
	}
}

function modelSourceText(prompt: PromptCount): string {
	switch (prompt.modelSource) {
		case 'pinned':
			return prompt.fileModel !== undefined ? `your pick for this file (the file names ${code(prompt.fileModel)})` : 'your pick for this file';
		case 'file':
			return prompt.format === 'chat' ? "the request body's `model`" : "the file's front matter";
		default:
			return 'setting `agentCost.lens.model`';
	}
}

function tokensText(tokens: number, exact: boolean): string {
	return `${exact ? '' : '≈'}${formatTokens(tokens)}`;
}

/** The item's text, tooltip and colour for one state of the lens. */
export function renderLens(input: LensViewInput): LensView {
	const { prompt, price } = input;
	const exactTokens = input.exactCount.state === 'exact' ? input.exactCount.tokens : undefined;
	const promptTokens = exactTokens ?? prompt.tokens;
	const promptExact = exactTokens !== undefined || prompt.exact;
	const promptMethod: CountMethod = exactTokens !== undefined ? 'provider-count' : prompt.method;
	const selection = input.selection && input.selection.ranges > 0 ? input.selection : undefined;
	const shownTokens = selection ? selection.tokens : promptTokens;
	const shownExact = selection ? selection.exact : promptExact;
	const outputTokens = prompt.fileMaxOutputTokens ?? input.maxOutputTokens;
	const outputSource = prompt.fileMaxOutputTokens !== undefined ? "the file's `max_tokens`" : settingsLink('agentCost.defaults.maxOutputTokens', 'agentCost.defaults.maxOutputTokens');

	const known = price?.kind === 'known' ? price : undefined;
	const cost = known ? lensCost(known, shownTokens, outputTokens) : undefined;
	const promptCost = known ? (selection ? lensCost(known, promptTokens, outputTokens) : cost) : undefined;
	const window = effectiveContextWindow(known?.contextWindow, input.contextWindowMax);
	const warning = promptTokens + outputTokens > window;

	// The bar's figure must move as the prompt is edited: by default the prompt's own (input) cost at
	// three significant digits; the assumed output is in the tooltip (it would dominate and never move).
	const shown = input.costShown ?? 'input';
	const figure = cost ? (shown === 'withOutput' ? cost.total : shown === 'inputPer1000' ? cost.input * 1000 : cost.input) : undefined;
	const priceText =
		price === undefined
			? '$…'
			: figure !== undefined
				? `${formatUsdPrecise(figure, { estimate: !shownExact })}${shown === 'inputPer1000' ? '/1k calls' : shown === 'withOutput' ? ' w/ output' : ''}`
				: 'no price';
	const tokensLabel = `${tokensText(shownTokens, shownExact)} tok${selection ? ' selected' : ''}`;
	const text = `${warning ? '$(warning)' : '$(symbol-numeric)'} ${tokensLabel} · ${priceText} · ${input.model}`;

	const lines: string[] = [];
	lines.push(`**Agent Cost Lens** · ${escapeMarkdown(input.fileName)}${input.updating ? ' · _updating…_' : ''}`);
	lines.push('');
	lines.push(`**Model** ${code(input.model)} — ${modelSourceText(prompt)} · [Change model](command:${pickModelCommand})`);
	lines.push('');
	lines.push(`**Prompt** ${tokensText(promptTokens, promptExact)} tokens — ${methodText(promptMethod, promptExact)}`);
	lines.push('');
	lines.push(conventionText(prompt));
	if (selection) {
		lines.push('');
		lines.push(
			`**Selection** ${tokensText(selection.tokens, selection.exact)} tokens of raw text in ${selection.ranges} range${selection.ranges === 1 ? '' : 's'} (no chat framing); the status bar prices the selection as the prompt.`,
		);
	}
	for (const note of [prompt.problem, ...(prompt.notes ?? [])]) if (note) lines.push('', `_${escapeMarkdown(note)}_`);
	if (prompt.uncountedParts) lines.push('', `_${prompt.uncountedParts} image/audio part${prompt.uncountedParts === 1 ? '' : 's'} not counted: the count is a lower bound._`);
	switch (input.exactCount.state) {
		case 'off':
			lines.push('', `Exact Claude count: off — ${settingsLink('enable agentCost.tokens.exactClaudeCount', 'agentCost.tokens.exactClaudeCount')} (sends the prompt to Anthropic's countTokens API).`);
			break;
		case 'noKey':
			lines.push('', 'Exact Claude count: on, but no Anthropic key is set (run **Agent Cost: Set API Key…**); showing the estimate.');
			break;
		case 'pending':
			lines.push('', "Exact Claude count: asked from Anthropic's countTokens once typing pauses; showing the estimate.");
			break;
		case 'exact':
			lines.push('', `Exact Claude count from Anthropic's countTokens API (estimate: ≈${formatTokens(prompt.tokens)}).`);
			break;
		case 'failed':
			lines.push('', `Exact Claude count failed: ${escapeMarkdown(input.exactCount.message)}; showing the estimate.`);
			break;
	}
	lines.push('', '---', '');

	if (price === undefined) lines.push('Prices: loading…');
	else if (!known) {
		const unpriced = price as UnpricedModel;
		lines.push(`**No price** for ${code(input.model)}: ${escapeMarkdown(unpriced.reason)}.`);
		lines.push('');
		lines.push(
			`Add one to ${settingsLink('agentCost.pricing.overrides', 'agentCost.pricing.overrides')} or to \`.agent-cost/prices.json\`, e.g. ${code(`"${input.model}": { "input": 3, "output": 15 }`)} (USD per million tokens). The lens never shows $0 for a model it has no price for.`,
		);
	} else {
		const c = cost!;
		const est = { estimate: !shownExact };
		const what = selection ? 'the selection' : 'the prompt';
		lines.push(
			`**Input ${formatUsdPrecise(c.input, est)}** for ${what} (${formatUsdPrecise(c.input * 1000, est)} per 1,000 calls)${shown === 'withOutput' ? '' : ' — the status bar figure'}. **With output ${formatUsd(c.total, est)}**: + ${formatTokens(outputTokens)} assumed output tokens${shown === 'withOutput' ? ' — the status bar figure' : ''}. ${settingsLink('Choose the figure', 'agentCost.lens.cost')}`,
		);
		lines.push('');
		lines.push(`- Input: ${tokensText(shownTokens, shownExact)} × ${formatPerMtok(c.prices.input)}/M = ${formatUsdPrecise(c.input, est)}`);
		lines.push(
			c.prices.output === undefined
				? `- Output: this model bills no output tokens`
				: `- Output: ${formatTokens(outputTokens)} tokens assumed (${outputSource}) × ${formatPerMtok(c.prices.output)}/M = ${formatUsd(c.output)}`,
		);
		if (c.request !== undefined) lines.push(`- Per-request fee: ${formatUsd(c.request)}`);
		lines.push(
			c.cachedInput !== undefined
				? `- Cached input: ${formatPerMtok(c.prices.cacheRead!)}/M — ${formatUsdPrecise(c.cachedInput, est)} if all of ${what} were a cache read`
				: '- Cached input: no cache price for this model (cache reads bill as input)',
		);
		if (c.longContext) lines.push(`- Long-context prices apply above the model's input threshold (whole request repriced).`);
		const toolFees = Object.entries(c.prices.serverTools ?? {});
		if (toolFees.length > 0) {
			const fees = toolFees.map(([tool, perUse]) => `${tool.replace(/_/g, ' ')} ${formatUsd(perUse * 1000)}/1,000`).join(', ');
			lines.push(`- Server tools billed per use, on top of tokens (not in this estimate): ${fees}`);
		}
		lines.push(`- Prices: ${escapeMarkdown(known.source)}${known.fromOverride ? ` (${escapeMarkdown(known.priceId)})` : ''}`);
	}
	lines.push('');
	const share = (promptTokens / window) * 100;
	const withOutput = ((promptTokens + outputTokens) / window) * 100;
	const pct = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)}%`;
	const windowSource =
		known?.contextWindow !== undefined
			? known.contextWindow > input.contextWindowMax
				? `the model's ${formatTokens(known.contextWindow)}, capped by \`agentCost.contextWindowMax\``
				: "the model's own"
			: "`agentCost.contextWindowMax`; the model's own window is unknown";
	lines.push(`**Context window** ${pct(share)} of ${formatTokens(window)} tokens (${windowSource}); ${pct(withOutput)} with the assumed output.`);
	if (warning)
		lines.push('', `$(warning) **Past the context window**: the prompt + ${formatTokens(outputTokens)} output tokens (${formatTokens(promptTokens + outputTokens)}) exceed ${formatTokens(window)}.`);

	lines.push('', '**Input cost by tier**', '', '| tier | model | tokens | input | × 1,000 calls |', '|---|---|---:|---:|---:|');
	for (const t of input.tiers) {
		const count: ModelTokenCount | undefined =
			t.model === input.model ? { model: t.model, tokens: promptTokens, exact: promptExact, method: promptMethod } : prompt.compare?.find(c => c.model === t.model);
		const tokens = count?.tokens ?? promptTokens;
		const exact = count ? count.exact : false;
		const tokenCell = count ? tokensText(tokens, exact) : `≈${formatTokens(tokens)}¹`;
		const usd = t.price?.kind === 'known' ? lensCost(t.price, tokens, 0).input : undefined;
		const priceCell = (factor: number) => (t.price === undefined ? '…' : usd !== undefined ? formatUsdPrecise(usd * factor, { estimate: !exact }) : 'no price');
		lines.push(`| ${t.tier} | ${code(t.model)} | ${tokenCell} | ${priceCell(1)} | ${priceCell(1000)} |`);
	}
	if (input.tiers.some(t => t.model !== input.model && !prompt.compare?.some(c => c.model === t.model))) {
		lines.push('', `¹ counted with ${code(input.model)}'s tokenizer (another tokenizer family): an approximation.`);
	}
	if (promptCost && selection) lines.push('', `Whole prompt: ${formatUsd(promptCost.total, { estimate: !promptExact })} with the assumed output.`);
	lines.push(
		'',
		`[Change model](command:${pickModelCommand}) · ${settingsLink('Lens settings', 'agentCost.lens')} · ${settingsLink('Tier models', 'agentCost.tiers')} · ${settingsLink('Price overrides', 'agentCost.pricing.overrides')}`,
	);

	const accessibilityLabel = `Agent Cost Lens: ${selection ? 'selection ' : ''}${shownExact ? '' : 'about '}${formatTokens(shownTokens)} tokens, ${known ? `${shown === 'withOutput' ? 'with assumed output' : shown === 'inputPer1000' ? 'input cost per 1,000 calls' : 'input cost'} ${formatUsdPrecise(figure!)}` : price === undefined ? 'price loading' : 'no price'}, model ${input.model}${warning ? ', past the context window' : ''}`;
	return {
		text,
		tooltip: lines.join('\n'),
		warning,
		accessibilityLabel,
		shown: { tokens: shownTokens, exact: shownExact, ...(figure !== undefined && { usd: figure }), selection: selection !== undefined },
	};
}
