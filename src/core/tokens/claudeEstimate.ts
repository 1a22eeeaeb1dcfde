import type { TiktokenEncoder } from './bytePairEncoder';
import type { ChatMessageLike, ToolDefinitionLike } from './types';

/**
 * Calibrated estimate of Claude 3+/4 input tokens. Anthropic publishes no tokenizer for these models
 * (the npm `@anthropic-ai/tokenizer` is Claude 2's), so we count with o200k and map the count onto
 * Claude's with constants fitted on real provider counts of known content:
 * - the Anthropic API cassettes in test/fixtures/transcripts/anthropic_messages (request bodies with
 *   `usage.input_tokens + cache_*`; the responses' `output_tokens` for known text);
 * - the growth of `input + cache_creation + cache_read` between consecutive calls of the Claude Code
 *   sessions in test/fixtures/transcripts/claude_code (= tokens of the content appended in between).
 * `bench/tokenCalibration.ts` recomputes every data point and the error of this model; its result is
 * committed in bench/results/tokenCalibration.md.
 * Every count from here is `exact: false`; the exact number needs `messages.countTokens`
 * ({@link ExactCountPort}).
 */
export const claudeCalibration = {
	/**
	 * Claude tokens per o200k token of text. Measured: 1.115 on markdown prose (output_tokens of a
	 * known answer), 1.12–1.18 on code-heavy tool results, 1.0 on plain repetitive English.
	 */
	textRatio: 1.12,
	/** Framing of the whole request. */
	perRequest: 2,
	/** Per system/user/assistant message. */
	perMessage: 2,
	/** Per tool_use block (its name and input JSON are counted as text on top). */
	perToolCall: 33,
	/** Per tool_result block (its content is counted as text on top). */
	perToolResult: 27,
	/** Anthropic's tool-use system prompt, added once when `tools` is non-empty (fitted on claude-haiku-4-5, tool_choice auto). */
	toolsPrompt: 287,
	/** Extra prompt with extended thinking enabled (fitted on claude-sonnet-4-0). */
	thinkingPrompt: 77,
} as const;

/** Estimated Claude tokens of plain text (a prompt file, a document). */
export function estimateClaudeText(o200k: TiktokenEncoder, text: string): number {
	return text ? Math.ceil(o200k.count(text) * claudeCalibration.textRatio) : 0;
}

export interface ClaudeChatOptions {
	/** Extended thinking is enabled for the request. */
	readonly thinking?: boolean;
}

/** Estimated input tokens of an Anthropic messages request in the neutral shape (see chatShapes.ts). */
export function estimateClaudeChat(o200k: TiktokenEncoder, messages: readonly ChatMessageLike[], tools?: readonly ToolDefinitionLike[], options: ClaudeChatOptions = {}): number {
	const c = claudeCalibration;
	const tok = (s: string) => (s ? o200k.count(s) : 0);
	let text = 0;
	let fixed = c.perRequest;
	for (const m of messages) {
		text += tok(m.content);
		// Tool call ids are not part of what the model reads: the fit is better without them.
		if (m.role === 'tool') fixed += c.perToolResult;
		else fixed += c.perMessage;
		for (const call of m.toolCalls ?? []) {
			text += tok(call.name) + tok(call.arguments);
			fixed += c.perToolCall;
		}
	}
	if (tools && tools.length > 0) {
		fixed += c.toolsPrompt;
		for (const t of tools) text += tok(t.name) + tok(t.description ?? '') + tok(JSON.stringify(t.parameters ?? {}));
	}
	if (options.thinking) fixed += c.thinkingPrompt;
	return Math.ceil(text * c.textRatio) + fixed;
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
