import { InputError } from '../lib/errors';
import { estimateClaudeChat, estimateClaudeText, estimateHeuristicChat, estimateHeuristicText } from './claudeEstimate';
import { getEncoder } from './encodings';
import { bareModelId, encodingForModel, modelFamily } from './modelEncoding';
import { countOpenAIChat } from './openaiChat';
import type { TokenCounter } from '../engine/ports';
import type { CountOptions } from './countInterrupt';
import type { ChatMessageLike, TokenCount, ToolDefinitionLike } from './types';

// The public counting API. Loads the rank tables synchronously on first use (≈0.3 s for o200k):
// fine for the CLI, the token worker and tests; the extension host goes through the worker.
// Every count is linear in the text (a 1 MB run of one character: well under a second, exact) and
// can be interrupted: `options.signal`, or the host's check (`setCountInterruptCheck`).

/** Model families whose chat framing was validated against the API (OpenAI cookbook, recorded requests). */
const validatedChatModels = /^(?:gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4(?:-|$)|gpt-3\.5|gpt-35)/;

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
export function countText(model: string, text: string, options: CountOptions = {}): TokenCount {
	const id = checkModelId(model);
	const encoding = encodingForModel(id);
	if (encoding) return { tokens: getEncoder(encoding).count(text, options), exact: true, method: encoding };
	const o200k = getEncoder('o200k_base');
	if (modelFamily(id) === 'claude') return { tokens: estimateClaudeText(o200k, text), exact: false, method: 'claude-estimate' };
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
	if (encoding) return `${encoding}|${validatedChatModels.test(bareModelId(id)) ? 'validated' : 'unvalidated'}`;
	return modelFamily(id) === 'claude' ? 'claude-estimate' : 'heuristic-estimate';
}

/** The engine's token counter: exact for OpenAI encodings, calibrated estimates otherwise. */
export const tokenCounter: TokenCounter = { countText, countChat, countingKey };

/** Request features that change the prompt size but are not messages or tools. */
export interface CountChatOptions {
	/** Anthropic extended thinking is enabled (adds its prompt overhead to the Claude estimate). */
	readonly thinking?: boolean;
}

/**
 * Prompt tokens of a chat request (messages plus tool definitions) as the provider bills them.
 * OpenAI: exact for message-only chats on validated model families (gpt-4o, gpt-4.1, gpt-4, gpt-3.5);
 * with tools or tool calls, or on other families (o-series, gpt-5), the same formula is used but the
 * count is marked `exact: false`. Claude: `claude-estimate`; others: `heuristic-estimate`.
 */
export function countChat(model: string, messages: readonly ChatMessageLike[], tools?: readonly ToolDefinitionLike[], options: CountChatOptions = {}): TokenCount {
	const id = checkModelId(model);
	const encoding = encodingForModel(id);
	if (encoding) {
		const { tokens, validated } = countOpenAIChat(getEncoder(encoding), messages, tools);
		return { tokens, exact: validated && validatedChatModels.test(bareModelId(id)), method: encoding };
	}
	const o200k = getEncoder('o200k_base');
	if (modelFamily(id) === 'claude') return { tokens: estimateClaudeChat(o200k, messages, tools, options), exact: false, method: 'claude-estimate' };
	return { tokens: estimateHeuristicChat(o200k, messages, tools), exact: false, method: 'heuristic-estimate' };
}
