import type { ChatMessageLike, TokenCount, ToolDefinitionLike } from '../tokens/types';
import type { TokenCounter } from '../ports/tokenCounter';

export interface MemoizingCounterOptions {
	/** Distinct texts remembered per model by `countText` (least recently used are dropped). @default 20 000 */
	readonly maxTexts?: number;
}

/**
 * Counts a chat as `countChat([])` (the reply primer, plus tool definitions) + Σ each message's own
 * share, memoized per message OBJECT. An agent's history grows by appending, so a step re-counts only
 * its new messages instead of the whole history (what makes a 1,000-step replay affordable).
 *
 * For OpenAI encodings the chat count is additive per message, so the result equals `countChat`
 * exactly (tested). For estimated counters (Claude, others) it can differ by a token or two per few
 * messages; those counts are marked `exact: false` anyway. Callers must not mutate messages.
 */
export function memoizingCounter(inner: TokenCounter, options: MemoizingCounterOptions = {}): TokenCounter {
	const maxTexts = options.maxTexts ?? 20_000;
	const texts = new Map<string, Map<string, TokenCount>>();
	const perMessage = new WeakMap<ChatMessageLike, Map<string, TokenCount>>();
	const messageContents = new Map<string, Map<string, TokenCount>>();
	const bases = new Map<string, TokenCount>();
	const toolBases = new WeakMap<readonly ToolDefinitionLike[], Map<string, TokenCount>>();
	// Memos are per counting key, not per model id: models that count alike share their counts.
	const keys = new Map<string, string>();
	const keyOf = (model: string): string => {
		let k = keys.get(model);
		if (k === undefined) keys.set(model, (k = inner.countingKey ? inner.countingKey(model) : model));
		return k;
	};

	const base = (model: string, key: string, tools?: readonly ToolDefinitionLike[]): TokenCount => {
		if (tools && tools.length) {
			let m = toolBases.get(tools);
			if (!m) toolBases.set(tools, (m = new Map()));
			let c = m.get(key);
			if (!c) m.set(key, (c = inner.countChat(model, [], tools)));
			return c;
		}
		let c = bases.get(key);
		if (!c) bases.set(key, (c = inner.countChat(model, [])));
		return c;
	};

	return {
		...(inner.countingKey && { countingKey: keyOf }),
		countText(model, text) {
			const key = keyOf(model);
			let m = texts.get(key);
			if (!m) texts.set(key, (m = new Map()));
			const hit = m.get(text);
			if (hit) {
				m.delete(text);
				m.set(text, hit);
				return hit;
			}
			const c = inner.countText(model, text);
			m.set(text, c);
			if (m.size > maxTexts) m.delete(m.keys().next().value as string);
			return c;
		},
		countChat(model, messages, tools) {
			const key = keyOf(model);
			const b = base(model, key, tools);
			const empty = base(model, key);
			let tokens = b.tokens;
			let exact = b.exact;
			for (const msg of messages) {
				let m = perMessage.get(msg);
				if (!m) perMessage.set(msg, (m = new Map()));
				let c = m.get(key);
				if (!c) {
					// A new object with known content (a compression marker or summary rebuilt by
					// another replay scenario) is counted once, not once per object.
					const contentKey = `${msg.role}\u0000${msg.name ?? ''}\u0000${msg.content}`;
					let byContent = messageContents.get(key);
					if (!byContent) messageContents.set(key, (byContent = new Map()));
					c = byContent.get(contentKey);
					if (!c) {
						const one = inner.countChat(model, [msg]);
						c = { tokens: one.tokens - empty.tokens, exact: one.exact, method: one.method };
						byContent.set(contentKey, c);
						if (byContent.size > maxTexts) byContent.delete(byContent.keys().next().value as string);
					}
					m.set(key, c);
				}
				tokens += c.tokens;
				exact &&= c.exact;
			}
			return { tokens, exact, method: b.method };
		},
	};
}
