import type { TokenCounter } from '../ports/tokenCounter';
import type { ChatMessageLike } from '../tokens/types';

/**
 * A chat message as the policies see it: the neutral text shape plus the tool-call links that
 * compression must keep intact (an assistant tool call without its result, or a result without its
 * call, is rejected by both OpenAI and Anthropic).
 */
export interface EngineMessage extends ChatMessageLike {
	readonly role: string;
	readonly content: string;
	readonly name?: string;
	/** Assistant messages: ids of the tool calls they make. */
	readonly toolCallIds?: readonly string[];
	/** Tool results (OpenAI `tool` messages, Anthropic `tool_result` blocks): the call ids answered. */
	readonly toolResultIds?: readonly string[];
	/**
	 * What a tool or the environment returned, in whatever role the format put it (a `user` message
	 * for mini-SWE-agent and SWE-agent): set by the importers, read through {@link isObservation}.
	 */
	readonly observation?: boolean;
	/** Set on messages a compression inserted (omission markers, summaries, masked observations). */
	readonly compression?: {
		/** `masked`: an observation replaced by a placeholder; it keeps its role and tool-result ids. */
		readonly kind: 'marker' | 'summary' | 'masked';
		/** Original messages this one stands for. */
		readonly replaces: number;
		/** Token count to use instead of counting `content` (a replay's estimated summary). */
		readonly tokens?: number;
	};
}

/** A run of messages that compression keeps or drops as a whole. */
export interface MessageGroup {
	readonly start: number;
	/** Exclusive. */
	readonly end: number;
	/** Holds a system message or the last user turn: never dropped. */
	readonly pinned: boolean;
}

function isSystem(m: EngineMessage): boolean {
	return m.role === 'system' || m.role === 'developer';
}

/**
 * A message that carries what a tool or the environment returned to the agent: marked by the
 * importer, or a `tool`/`function` message, or one that answers tool calls (Anthropic `tool_result`).
 * Strategies that shorten tool outputs act on exactly these, whatever role the format uses.
 */
export function isObservation(m: Pick<EngineMessage, 'role' | 'toolResultIds' | 'observation'>): boolean {
	return m.observation === true || m.role === 'tool' || m.role === 'function' || (m.toolResultIds !== undefined && m.toolResultIds.length > 0);
}

/** A real user turn (not a tool result or an environment observation sent in the user role). */
export function isUserTurn(m: EngineMessage): boolean {
	return m.role === 'user' && !isObservation(m) && !m.compression;
}

export function lastUserTurnIndex(messages: readonly EngineMessage[]): number {
	for (let i = messages.length - 1; i >= 0; i--) if (isUserTurn(messages[i]!)) return i;
	return -1;
}

/**
 * Splits messages into groups: an assistant message with tool calls plus the results that answer
 * them form one group; every other message is its own group.
 */
export function groupMessages(messages: readonly EngineMessage[]): MessageGroup[] {
	const lastUser = lastUserTurnIndex(messages);
	const groups: MessageGroup[] = [];
	let i = 0;
	while (i < messages.length) {
		const start = i;
		const m = messages[i]!;
		i++;
		if (m.toolCallIds && m.toolCallIds.length > 0) {
			const pending = new Set(m.toolCallIds);
			while (i < messages.length && pending.size > 0) {
				const ids = messages[i]!.toolResultIds;
				if (!ids || !ids.some(id => pending.has(id))) break;
				for (const id of ids) pending.delete(id);
				i++;
			}
		}
		let pinned = false;
		for (let j = start; j < i; j++) if (isSystem(messages[j]!) || j === lastUser) pinned = true;
		groups.push({ start, end: i, pinned });
	}
	return groups;
}

/**
 * Tokens of a message list, honoring `compression.tokens` (estimated summaries in replay). Replays
 * must count with this, not with the counter directly, or an estimated summary counts as a few words.
 */
export function countMessages(counter: TokenCounter, model: string, messages: readonly EngineMessage[]): { tokens: number; exact: boolean } {
	const c = counter.countChat(model, messages);
	let tokens = c.tokens;
	let exact = c.exact;
	for (const m of messages) {
		if (m.compression?.tokens !== undefined) {
			tokens += m.compression.tokens - counter.countText(model, m.content).tokens;
			exact = false;
		}
	}
	return { tokens, exact };
}

/** Tokens of one message inside a chat (its share of `countChat`, including per-message overhead). */
export function messageTokens(counter: TokenCounter, model: string, m: EngineMessage, empty = counter.countChat(model, []).tokens): number {
	if (m.compression?.tokens !== undefined) return counter.countChat(model, [{ role: m.role, content: '' }]).tokens - empty + m.compression.tokens;
	return counter.countChat(model, [m]).tokens - empty;
}
