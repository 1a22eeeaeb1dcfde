import type { ChatMessageLike, TokenCount, ToolDefinitionLike } from '../tokens/types';

/** The token engine as the policies see it (implemented by `src/core/tokens/count.ts`). */
export interface TokenCounter {
	countText(model: string, text: string): TokenCount;
	countChat(model: string, messages: readonly ChatMessageLike[], tools?: readonly ToolDefinitionLike[]): TokenCount;
	/**
	 * Models with the same key count every text and chat identically (same encoding, chat framing
	 * and exactness), so memoized counts are shared between them — a replay that routes to gpt-4o,
	 * gpt-4o-mini and gpt-4.1 tokenizes each message once, not three times. Absent: every model is
	 * its own key.
	 */
	countingKey?(model: string): string;
}
