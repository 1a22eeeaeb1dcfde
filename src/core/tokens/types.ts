/** Tokenizer encodings the engine counts exactly (ids identical to tiktoken's Rust core). */
export type EncodingName = 'o200k_base' | 'cl100k_base';

/**
 * How a count was obtained. Exact only for OpenAI encodings; Claude and other vendors publish no
 * tokenizer, so their counts are calibrated estimates and the UI marks them with ≈.
 */
export type CountMethod = EncodingName | 'claude-estimate' | 'heuristic-estimate' | 'provider-count';

export interface TokenCount {
	readonly tokens: number;
	/** False for every estimate; the UI prefixes the number with ≈. */
	readonly exact: boolean;
	readonly method: CountMethod;
}

/** One tool/function call made by an assistant message (OpenAI `tool_calls[].function`, Anthropic `tool_use`). */
export interface ChatToolCallLike {
	readonly id?: string;
	readonly name: string;
	/** The arguments exactly as sent: OpenAI's JSON string, or `JSON.stringify` of Anthropic's `input`. */
	readonly arguments: string;
}

/** A chat message in the neutral shape both OpenAI chat and Anthropic messages map onto. */
export interface ChatMessageLike {
	readonly role: string;
	/** Plain text, or the JSON/text rendering of structured content blocks. */
	readonly content: string;
	readonly name?: string;
	/** Assistant messages: the tool calls they make (counted with the provider's call rendering). */
	readonly toolCalls?: readonly ChatToolCallLike[];
	/** Tool results (OpenAI role `tool`, Anthropic `tool_result`): the id of the call answered. */
	readonly toolCallId?: string;
}

/** A tool/function definition as sent to the provider (JSON schema parameters). */
export interface ToolDefinitionLike {
	readonly name: string;
	readonly description?: string;
	readonly parameters?: unknown;
	/**
	 * A provider-defined tool's type with its version (`web_search_20250305`, `bash_20250124`): the
	 * provider renders it, so its tokens are the provider's, not its JSON. Absent for your own tools.
	 */
	readonly kind?: string;
	/** Anthropic `defer_loading`: not in the prompt until a tool search loads it. */
	readonly deferred?: boolean;
}
