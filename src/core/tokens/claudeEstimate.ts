import type { TiktokenEncoder } from './bytePairEncoder';
import type { ChatMessageLike, ToolDefinitionLike } from './types';

/**
 * Estimate of Claude input tokens. Anthropic publishes no tokenizer for Claude 3+ (the npm
 * `@anthropic-ai/tokenizer` is Claude 2's), so text is counted with o200k and scaled, and the parts
 * of a request that are not its text are modelled from what Anthropic documents plus constants
 * fitted on public recorded requests:
 *
 * - documented: the tool-use system prompt per model and `tool_choice` ({@link claudeToolPrompts}),
 *   the fixed tokens of the Anthropic-schema client tools (text editor 700, bash 245);
 * - fitted (weighted least squares, test/support/claudeFit.ts, on the 103 fitting requests of the
 *   142 distinct ones recorded in pydantic-ai's Anthropic cassettes, see test/fixtures/public/recorded_requests;
 *   bench/results/tokenCalibration.md reports the error on the 39 held out): the text ratio per tokenizer
 *   generation, per-request/message/tool framing, thinking, structured-output format, the tool
 *   prompt Sonnet 4.5 and Haiku 4.5 used before the 2025-11-24 update, and each server tool's tokens.
 *
 * Every count from here is `exact: false`; the exact number needs `messages.countTokens`
 * (the opt-in `tokens/countExact` engine job, src/extension/lens/exactClaudeCount.ts).
 */
export const claudeCalibration = {
	/** Claude tokens per o200k token of text (Claude 3–4.6 tokenizer). */
	textRatio: 1.05,
	/**
	 * The tokenizer of Opus 4.7 and later models (Opus 4.8, Opus 5, Sonnet 5, Fable 5, Mythos)
	 * produces more tokens for the same text: Anthropic's Opus 4.7 release gives 1.0–1.35× the
	 * previous count depending on content; the fit here is 1.44 / 1.05 ≈ 1.37×, from few requests
	 * (very short texts come out near the old ratio, so their estimate is high).
	 */
	textRatioNewTokenizer: 1.44,
	/** Framing of the whole request. */
	perRequest: 5,
	/** Per message (any role). */
	perMessage: 2,
	/** Per tool_use and per tool_result block (its name/input or content is counted as text on top). */
	perToolBlock: 28,
	/** Per custom tool definition (name, description and schema JSON are counted as text on top). */
	perToolDefinition: 30,
	/** `thinking: {type: "enabled"}`. */
	thinkingEnabled: 29,
	/** `thinking: {type: "adaptive"}` (Opus 4.6+): fitted slightly negative, so 0. */
	thinkingAdaptive: 0,
	/** A structured-output format (`output_config.format`), on top of its schema JSON counted as text. */
	outputFormat: 130,
	/**
	 * Tool-use system prompt of Sonnet 4.5 and Haiku 4.5 before Anthropic raised it to the
	 * documented 496/588 (first seen on recordings of 2025-11-26; the day is taken as the Opus 4.5
	 * launch, 2025-11-24). Fitted: the documentation of that period is not available here.
	 */
	legacyToolPrompt: { until: '2025-11-24', auto: 286, any: 299 },
	/**
	 * Tokens a provider-defined tool adds to the prompt, by tool type without its version suffix.
	 * text_editor and bash are documented; the others are measured on recorded requests where the
	 * tool was offered but not used (code_execution's prompt varies with the container: 4.1k–9.9k).
	 */
	serverTools: {
		web_search: 1710,
		web_fetch: 525,
		memory: 1281,
		tool_search_tool_bm25: 1100,
		tool_search_tool_regex: 213,
		code_execution: 4100,
		text_editor: 700,
		str_replace_based_edit_tool: 700,
		bash: 245,
	} as Readonly<Record<string, number>>,
	/**
	 * Server tools whose prompt differs on the generation of the new tokenizer (Opus 4.7+, Sonnet 5,
	 * Fable 5): the same tool-search request measured 831 tokens on Opus 4.8 and 1,841 on Sonnet 4.6.
	 */
	serverToolsNewGeneration: {
		tool_search_tool_bm25: 365,
	} as Readonly<Record<string, number>>,
} as const;

/**
 * The tool-use system prompt Anthropic adds when `tools` is non-empty, per model and `tool_choice`
 * ("auto"/"none" vs "any"/"tool"), from https://platform.claude.com/docs/en/agents-and-tools/tool-use/overview#pricing
 * (checked 2026-12-07). Most specific first. Models the table does not list take the newest row.
 */
export const claudeToolPrompts: readonly { readonly models: RegExp; readonly auto: number; readonly any: number }[] = [
	{ models: /claude-opus-5/, auto: 286, any: 406 },
	{ models: /claude-opus-4[-.]8/, auto: 290, any: 410 },
	{ models: /claude-opus-4[-.]7/, auto: 675, any: 804 },
	{ models: /claude-(?:opus|sonnet)-4[-.]6/, auto: 497, any: 589 },
	{ models: /claude-(?:opus|sonnet|haiku)-4[-.]5/, auto: 496, any: 588 },
	{ models: /claude-sonnet-5/, auto: 354, any: 474 },
	{ models: /claude-(?:opus-4[-.]1|opus-4|sonnet-4|4-opus|4-sonnet)(?![0-9])/, auto: 313, any: 315 },
	{ models: /claude-(?:3[-.]5-haiku|haiku-3[-.]5)/, auto: 264, any: 355 },
	{ models: /claude-3-opus/, auto: 530, any: 281 },
	{ models: /claude-3-sonnet/, auto: 159, any: 235 },
	{ models: /claude-3-haiku/, auto: 264, any: 340 },
];

/** Models on the tokenizer introduced with Opus 4.7. */
const newTokenizer = /claude-(?:opus-4[-.][789]|opus-[5-9]|sonnet-[5-9]|fable|mythos)/;

/** Models that keep earlier turns' thinking in the prompt (Opus 4.5 and later); older ones strip it. */
const keepsEarlierThinking = /claude-(?:opus-4[-.][5-9]|opus-[5-9]|sonnet-[5-9]|fable|mythos)/;

/** Whether a model keeps the thinking of earlier assistant turns in its prompt (see `chatShapes.ts`). */
export function claudeKeepsEarlierThinking(model: string | undefined): boolean {
	return model !== undefined && keepsEarlierThinking.test(model.toLowerCase());
}

/** Claude tokens per o200k token for `model`'s tokenizer generation. */
export function claudeTextRatio(model: string | undefined): number {
	return model !== undefined && newTokenizer.test(model.toLowerCase()) ? claudeCalibration.textRatioNewTokenizer : claudeCalibration.textRatio;
}

/** Estimated Claude tokens of plain text (a prompt file, a document). */
export function estimateClaudeText(o200k: TiktokenEncoder, text: string, model?: string): number {
	return text ? Math.ceil(o200k.count(text) * claudeTextRatio(model)) : 0;
}

export type ClaudeToolChoice = 'auto' | 'any' | 'tool' | 'none';

export interface ClaudeChatOptions {
	/** The model: its tokenizer generation and tool prompt. Absent: the Claude 3–4.6 ratio and the newest tool prompt. */
	readonly model?: string;
	/** Extended thinking: `true` or `'enabled'` (budgeted), `'adaptive'` (Opus 4.6+). */
	readonly thinking?: boolean | 'enabled' | 'adaptive';
	/** @default 'auto' */
	readonly toolChoice?: ClaudeToolChoice;
	/** A structured-output schema (`output_config.format`), when the request has one. */
	readonly outputFormat?: unknown;
	/** When the request was sent, for the tool prompt of its day. Absent: today's documentation. */
	readonly at?: Date;
}

/**
 * The parts an estimate adds up, before the calibration weights them: o200k tokens of the text
 * (for the model's tokenizer generation), structure counts, and the documented tool prompt. Kept
 * apart so the constants can be refitted on recorded requests with exactly the decomposition the
 * estimate uses (bench/tokenCalibration.ts).
 */
export interface ClaudeTerms {
	/** o200k tokens of every text the model reads (messages, tool inputs and results, definitions, schema). */
	readonly text: number;
	readonly newTokenizer: boolean;
	readonly messages: number;
	readonly toolBlocks: number;
	readonly toolDefinitions: number;
	readonly thinking: 'off' | 'enabled' | 'adaptive';
	readonly outputFormat: boolean;
	/** Tools are offered and `tool_choice` forces a tool (`any`/`tool`): the larger tool prompt. */
	readonly forcedToolChoice: boolean;
	/** The documented tool-use system prompt (0 without tools, or when the legacy prompt applies). */
	readonly toolPrompt: number;
	/** The pre-2025-11-24 Sonnet/Haiku 4.5 tool prompt applies, with this `tool_choice` kind. */
	readonly legacyToolPrompt?: 'auto' | 'any';
	/** Provider-defined tools offered, by type without version suffix. */
	readonly serverTools: readonly string[];
}

function toolPromptTerms(model: string | undefined, toolChoice: ClaudeToolChoice, at: Date | undefined): Pick<ClaudeTerms, 'toolPrompt' | 'legacyToolPrompt'> {
	const id = (model ?? '').toLowerCase();
	const forced = toolChoice === 'any' || toolChoice === 'tool';
	if (at !== undefined && /claude-(?:sonnet|haiku)-4[-.]5/.test(id) && at.toISOString().slice(0, 10) < claudeCalibration.legacyToolPrompt.until) {
		return { toolPrompt: 0, legacyToolPrompt: forced ? 'any' : 'auto' };
	}
	const row = claudeToolPrompts.find(r => r.models.test(id)) ?? claudeToolPrompts[0]!;
	return { toolPrompt: forced ? row.any : row.auto };
}

/** The documented tool-use system prompt for `model` and `toolChoice` (on `at`, when given). */
export function claudeToolPrompt(model: string | undefined, toolChoice: ClaudeToolChoice = 'auto', at?: Date): number {
	const t = toolPromptTerms(model, toolChoice, at);
	if (t.legacyToolPrompt !== undefined) return claudeCalibration.legacyToolPrompt[t.legacyToolPrompt];
	return t.toolPrompt;
}

/**
 * The tokens a provider-defined tool adds, from its `type` (`web_search_20250305` → `web_search`)
 * and the model (some differ on the newer generation); 0 when unknown.
 */
export function claudeServerToolTokens(kind: string, model?: string): number {
	return serverToolSize(serverToolBase(kind), claudeTextRatio(model) === claudeCalibration.textRatioNewTokenizer);
}

function serverToolSize(base: string, newGeneration: boolean): number {
	return (newGeneration ? claudeCalibration.serverToolsNewGeneration[base] : undefined) ?? claudeCalibration.serverTools[base] ?? 0;
}

function serverToolBase(kind: string): string {
	return kind.replace(/_\d{8}$/, '');
}

/** The terms of an Anthropic messages request in the neutral shape (see chatShapes.ts). */
export function claudeTerms(o200k: TiktokenEncoder, messages: readonly ChatMessageLike[], tools?: readonly ToolDefinitionLike[], options: ClaudeChatOptions = {}): ClaudeTerms {
	const tok = (s: string) => (s ? o200k.count(s) : 0);
	let text = 0;
	let turns = 0;
	let toolBlocks = 0;
	let previous: string | undefined;
	for (const m of messages) {
		text += tok(m.content);
		// Tool results travel as blocks of one user turn: a run of them is one message.
		if (m.role === 'tool') {
			toolBlocks++;
			if (previous !== 'tool') turns++;
		} else turns++;
		previous = m.role;
		for (const call of m.toolCalls ?? []) {
			// Tool call ids are not part of what the model reads: the fit is better without them.
			text += tok(call.name) + tok(call.arguments);
			toolBlocks++;
		}
	}
	const offered = (tools ?? []).filter(t => t.deferred !== true);
	const serverTools: string[] = [];
	let toolDefinitions = 0;
	for (const t of offered) {
		if (t.kind !== undefined) {
			serverTools.push(serverToolBase(t.kind));
			continue;
		}
		text += tok(t.name) + tok(t.description ?? '') + tok(JSON.stringify(t.parameters ?? {}));
		toolDefinitions++;
	}
	if (options.outputFormat !== undefined) text += tok(JSON.stringify(options.outputFormat));
	const thinking = options.thinking === true || options.thinking === 'enabled' ? 'enabled' : options.thinking === 'adaptive' ? 'adaptive' : 'off';
	return {
		text,
		newTokenizer: claudeTextRatio(options.model) === claudeCalibration.textRatioNewTokenizer,
		messages: turns,
		toolBlocks,
		toolDefinitions,
		thinking,
		outputFormat: options.outputFormat !== undefined,
		forcedToolChoice: offered.length > 0 && (options.toolChoice === 'any' || options.toolChoice === 'tool'),
		...(offered.length > 0 ? toolPromptTerms(options.model, options.toolChoice ?? 'auto', options.at) : { toolPrompt: 0 }),
		serverTools,
	};
}

/** The estimate from its terms and the calibration. */
export function claudeEstimateFromTerms(t: ClaudeTerms): number {
	const c = claudeCalibration;
	let fixed = c.perRequest + c.perMessage * t.messages + c.perToolBlock * t.toolBlocks + c.perToolDefinition * t.toolDefinitions + t.toolPrompt;
	if (t.legacyToolPrompt !== undefined) fixed += c.legacyToolPrompt[t.legacyToolPrompt];
	if (t.thinking === 'enabled') fixed += c.thinkingEnabled;
	else if (t.thinking === 'adaptive') fixed += c.thinkingAdaptive;
	if (t.outputFormat) fixed += c.outputFormat;
	for (const s of t.serverTools) fixed += serverToolSize(s, t.newTokenizer);
	return Math.ceil(t.text * (t.newTokenizer ? c.textRatioNewTokenizer : c.textRatio)) + fixed;
}

/** Estimated input tokens of an Anthropic messages request in the neutral shape (see chatShapes.ts). */
export function estimateClaudeChat(o200k: TiktokenEncoder, messages: readonly ChatMessageLike[], tools?: readonly ToolDefinitionLike[], options: ClaudeChatOptions = {}): number {
	return claudeEstimateFromTerms(claudeTerms(o200k, messages, tools, options));
}

/**
 * Gemini, Llama, Mistral and other vendors: o200k × a ratio, plus a small per-message framing.
 * The Gemini ratio is fitted on the mini-SWE-agent trajectories (gemini-3-pro via OpenRouter:
 * `prompt_tokens` / o200k of the messages sent = 1.08 on the first call, 1.16–1.19 later with
 * history); other vendors reuse it for lack of data.
 */
export const heuristicCalibration = {
	textRatio: 1.1,
	perMessage: 4,
	perRequest: 3,
} as const;

/** Estimated tokens of plain text for a model without a public tokenizer (not Claude, not OpenAI). */
export function estimateHeuristicText(o200k: TiktokenEncoder, text: string): number {
	return text ? Math.ceil(o200k.count(text) * heuristicCalibration.textRatio) : 0;
}

/** Estimated prompt tokens of a chat for a model without a public tokenizer. */
export function estimateHeuristicChat(o200k: TiktokenEncoder, messages: readonly ChatMessageLike[], tools?: readonly ToolDefinitionLike[]): number {
	const h = heuristicCalibration;
	let text = 0;
	for (const m of messages) {
		text += o200k.count(m.content);
		for (const call of m.toolCalls ?? []) text += o200k.count(call.name) + o200k.count(call.arguments);
	}
	for (const t of tools ?? []) text += o200k.count(t.name) + o200k.count(t.description ?? '') + o200k.count(JSON.stringify(t.parameters ?? {}));
	return Math.ceil(text * h.textRatio) + h.perMessage * messages.length + h.perRequest;
}
