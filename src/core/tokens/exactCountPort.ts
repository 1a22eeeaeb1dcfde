import type { ChatMessageLike, TokenCount, ToolDefinitionLike } from './types';

/**
 * An exact, provider-side prompt count (Anthropic `messages.countTokens`): opt-in, needs an API key
 * and a network call, so it is a port the adapter wires only when the user enabled it. Implementations
 * return `{ exact: true, method: 'provider-count' }` and throw typed provider errors; callers fall back
 * to the local estimate ({@link countChat}) when it fails or is not configured.
 */
export interface ExactCountPort {
	/** True when this port can count `model` (e.g. a Claude model and a configured key). */
	supports(model: string): boolean;
	countChat(model: string, messages: readonly ChatMessageLike[], tools?: readonly ToolDefinitionLike[], signal?: AbortSignal): Promise<TokenCount>;
}

/**
 * Exact count through the port when it supports the model, else the local count. A failing port
 * (no key, offline, rate limit) never loses the number: the local estimate is returned instead.
 */
export async function countChatPreferExact(
	port: ExactCountPort | undefined,
	local: (model: string, messages: readonly ChatMessageLike[], tools?: readonly ToolDefinitionLike[]) => TokenCount,
	model: string,
	messages: readonly ChatMessageLike[],
	tools?: readonly ToolDefinitionLike[],
	signal?: AbortSignal,
): Promise<TokenCount> {
	const estimate = local(model, messages, tools);
	if (estimate.exact || !port?.supports(model)) return estimate;
	try {
		return await port.countChat(model, messages, tools, signal);
	} catch (e) {
		if (signal?.aborted) throw e;
		return estimate;
	}
}
