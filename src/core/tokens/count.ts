import { InputError } from '../lib/errors';
import { type ClaudeToolChoice, claudeTextRatio, claudeToolPrompt, estimateClaudeChat, estimateClaudeText, estimateHeuristicChat, estimateHeuristicText } from './claudeEstimate';
import { getEncoder } from './encodings';
import { bareModelId, encodingForModel, modelFamily } from './modelEncoding';
import { countOpenAIChat, type ChatParts } from './openaiChat';
import type { TokenCounter } from '../ports/tokenCounter';
import type { ChatMessageLike, EncodingName, TokenCount, ToolDefinitionLike } from './types';

// The public counting API. Loads the rank tables synchronously on first use (≈0.3 s for o200k):
// fine for the CLI, the token worker and tests; the extension host goes through the worker.

/**
 * Model families whose chat framing was validated against the API (OpenAI cookbook, recorded
 * requests). The search and audio previews are not: their prompt_tokens follow other rules.
 */
const validatedChatModels = /^(?!.*(?:search|audio|realtime))(?:gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4(?:-|$)|gpt-3\.5|gpt-35|o3|o4|gpt-5)/;

/** Reasoning families whose reply priming is 2 tokens (validated on recorded o3-mini, gpt-5 and gpt-5.6 requests). */
const reasoningFraming = /^(?:o3|o4|gpt-5)/;

/**
 * Throws {@link InputError} `unknownModel` for a model string that cannot name any model (empty,
 * control characters, absurdly long). Unknown but plausible ids are fine: they get an estimate.
 */
export function checkModelId(model: string): string {
	const id = model.trim();
	if (!id) throw new InputError('unknownModel', 'model id is empty');
	if (id.length > 200 || /[\u0000-\u001f\u007f\s]/.test(id)) throw new InputError('unknownModel', `model id ${JSON.stringify(id.slice(0, 60))} is not a valid model id`);
	return id;
}

/**
 * Tokens of `text` for `model`. Exact (tiktoken ids, special-token text counted as plain text) for
 * OpenAI models; a calibrated estimate (`exact: false`) for Claude and other vendors.
 */
export function countText(model: string, text: string): TokenCount {
	const id = checkModelId(model);
	const encoding = encodingForModel(id);
	if (encoding) return { tokens: getEncoder(encoding).count(text), exact: true, method: encoding };
	const o200k = getEncoder('o200k_base');
	if (modelFamily(id) === 'claude') return { tokens: estimateClaudeText(o200k, text, id), exact: false, method: 'claude-estimate' };
	return { tokens: estimateHeuristicText(o200k, text), exact: false, method: 'heuristic-estimate' };
}

/**
 * What decides how `model` is counted (see `TokenCounter.countingKey`): the encoding and whether its
 * chat framing is validated for OpenAI models, the estimator otherwise. Never throws: an id that
 * cannot be counted is its own key (counting it then reports the problem).
 */
export function countingKey(model: string): string {
	let id: string;
	try {
		id = checkModelId(model);
	} catch {
		return `model:${model}`;
	}
	const encoding = encodingForModel(id);
	if (encoding) {
		const bare = bareModelId(id);
		return `${encoding}|${validatedChatModels.test(bare) ? 'validated' : 'unvalidated'}|${reasoningFraming.test(bare) ? 'reasoning' : 'chat'}`;
	}
	// Claude models differ by tokenizer generation (text ratio, server-tool sizes) and tool prompt.
	if (modelFamily(id) === 'claude') return `claude-estimate|${claudeTextRatio(id)}|${claudeToolPrompt(id, 'auto')}|${claudeToolPrompt(id, 'any')}`;
	return 'heuristic-estimate';
}

/** The engine's token counter: exact for OpenAI encodings, calibrated estimates otherwise. */
export const tokenCounter: TokenCounter = { countText, countChat, countingKey };

/** Request features that change the prompt size but are not messages or tools (Claude estimate only). */
export interface CountChatOptions {
	/** Anthropic extended thinking: `true`/`'enabled'` (budgeted) or `'adaptive'`; adds its prompt overhead. */
	readonly thinking?: boolean | 'enabled' | 'adaptive';
	/** Anthropic `tool_choice.type`: the tool-use system prompt differs for `any`/`tool`. @default 'auto' */
	readonly toolChoice?: ClaudeToolChoice;
	/** A structured-output schema (`output_config.format`). */
	readonly outputFormat?: unknown;
	/** When the request was sent, for documented prompt sizes that changed over time. */
	readonly at?: Date;
}

/**
 * Prompt tokens of a chat request (messages plus tool definitions) as the provider bills them.
 * OpenAI: exact for message-only chats on validated model families (gpt-4o, gpt-4.1, gpt-4, gpt-3.5,
 * o3, o4, gpt-5); with tools or tool calls, or on other families (o1, search/audio previews), the
 * same formula is used but the count is marked `exact: false`. Claude: `claude-estimate`; others: `heuristic-estimate`.
 */
export function countChat(model: string, messages: readonly ChatMessageLike[], tools?: readonly ToolDefinitionLike[], options: CountChatOptions = {}): TokenCount {
	const id = checkModelId(model);
	const encoding = encodingForModel(id);
	if (encoding) {
		const { tokens, exact, method } = openaiChatCount(id, encoding, messages, tools);
		return { tokens, exact, method };
	}
	const o200k = getEncoder('o200k_base');
	if (modelFamily(id) === 'claude') return { tokens: estimateClaudeChat(o200k, messages, tools, { ...options, model: id }), exact: false, method: 'claude-estimate' };
	return { tokens: estimateHeuristicChat(o200k, messages, tools), exact: false, method: 'heuristic-estimate' };
}

/** An OpenAI model's chat count with its parts: exact only for validated families without tools. */
function openaiChatCount(id: string, encoding: EncodingName, messages: readonly ChatMessageLike[], tools: readonly ToolDefinitionLike[] | undefined): TokenCount & { readonly parts: ChatParts } {
	const bare = bareModelId(id);
	const { tokens, validated, parts } = countOpenAIChat(getEncoder(encoding), messages, tools, { replyPriming: reasoningFraming.test(bare) ? 2 : 3 });
	return { tokens, exact: validated && validatedChatModels.test(bare), method: encoding, parts };
}

/**
 * {@link countChat} with the count split by where the tokens come from: what each message adds and
 * what the tool definitions add (context attribution). OpenAI: from the one formula, so the parts
 * plus the reply priming are the count. Claude and others: each part is estimated as what it adds
 * alone (the estimators round once per request, so the parts can differ from the whole by a token each).
 */
export function countChatParts(model: string, messages: readonly ChatMessageLike[], tools?: readonly ToolDefinitionLike[], options: CountChatOptions = {}): TokenCount & { readonly parts: ChatParts } {
	const id = checkModelId(model);
	const encoding = encodingForModel(id);
	if (encoding) return openaiChatCount(id, encoding, messages, tools);
	const whole = countChat(id, messages, tools, options);
	const base = countChat(id, []).tokens;
	return {
		...whole,
		parts: {
			messages: messages.map(m => countChat(id, [m]).tokens - base),
			tools: tools && tools.length > 0 ? countChat(id, [], tools).tokens - base : 0,
		},
	};
}
