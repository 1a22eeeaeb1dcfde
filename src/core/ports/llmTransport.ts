/**
 * The port between the engine and the LLM providers. Pure types plus a few pure helpers: the Node
 * clients (`src/node/providers/*Transport.ts`) implement it over the official SDKs; the engine, the
 * routing policy and the VS Code adapter only ever see these shapes.
 *
 * Messages use ONE neutral shape (system / user / assistant with tool calls / tool results) that the
 * clients translate to OpenAI chat or Anthropic messages, so a fallback chain can move a conversation
 * from one provider to the other without the caller knowing either wire format.
 */
import type { Usage } from '../pricing/usage';
import type { ToolDefinitionLike } from '../tokens/types';

/** Providers with a first-party client. OpenAI-compatible servers (gateways, local) use `openai`. */
export type ProviderId = 'openai' | 'anthropic';

/** A tool call the model made. `arguments` is the JSON text exactly as the model produced it. */
export interface ProviderToolCall {
	readonly id: string;
	readonly name: string;
	readonly arguments: string;
}

export type ProviderMessage =
	| { readonly role: 'system'; readonly content: string }
	| { readonly role: 'user'; readonly content: string }
	| { readonly role: 'assistant'; readonly content: string; readonly toolCalls?: readonly ProviderToolCall[] }
	/** The result of the assistant's tool call `toolCallId`. */
	| { readonly role: 'tool'; readonly toolCallId: string; readonly content: string; readonly isError?: boolean };

export type ProviderToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

export interface ProviderRequest {
	readonly provider: ProviderId;
	readonly model: string;
	readonly messages: readonly ProviderMessage[];
	readonly tools?: readonly ToolDefinitionLike[];
	readonly toolChoice?: ProviderToolChoice;
	/** Sent as the provider's output limit; budgets reserve exactly this many output tokens. */
	readonly maxOutputTokens: number;
	/** Omitted from the request when undefined (and for models that reject it, e.g. OpenAI o-series). */
	readonly temperature?: number;
	/** Stream the answer (chunks arrive as they are generated). Usage is requested in both modes. */
	readonly stream: boolean;
	/**
	 * Inactivity timeout in ms (`tool_call_timeout_seconds`): the call fails with reason `timeout`
	 * when the server sends nothing for this long — before the response starts or between two
	 * stream events. A long answer that keeps streaming is not cut. Defaults to the transport's.
	 */
	readonly timeoutMs?: number;
}

/**
 * A piece of a streamed answer. Tool-call arguments arrive as JSON text fragments that only parse
 * once the call is complete (see {@link ProviderResponse.toolCalls}). With `stream: false` the same
 * chunks are yielded all at once when the response arrives, so consumers need one code path.
 */
export type ProviderChunk =
	| { readonly type: 'text'; readonly text: string }
	| { readonly type: 'toolCallStart'; readonly index: number; readonly id: string; readonly name: string }
	| { readonly type: 'toolCallDelta'; readonly index: number; readonly argumentsDelta: string }
	/** Usage known so far (Anthropic reports the input side when the stream starts). */
	| { readonly type: 'usage'; readonly usage: Usage };

/** Why the model stopped, normalized; `rawFinishReason` keeps the provider's word. */
export type FinishReason = 'stop' | 'length' | 'toolCalls' | 'contentFilter' | 'other';

export interface ProviderResponse {
	readonly provider: ProviderId;
	/** The model that answered, as the server reported it (often a dated snapshot of the requested id). */
	readonly model: string;
	readonly text: string;
	readonly toolCalls: readonly ProviderToolCall[];
	readonly finishReason: FinishReason;
	readonly rawFinishReason?: string;
	/**
	 * Usage as the provider reported it, normalized by the same functions the importers use
	 * (`fromOpenAIChatUsage`, `fromAnthropicUsage`). Undefined ONLY when the server sent none (some
	 * OpenAI-compatible servers ignore `stream_options.include_usage`): the caller must then count
	 * the tokens itself and mark the cost as an estimate — never price the call at $0.
	 */
	readonly usage: Usage | undefined;
	/**
	 * The server sent usage whose token counts are not counts (negative, fractional, a string,
	 * absurd): what was wrong, one line per field. `usage` is then undefined — the caller counts the
	 * tokens itself and marks the cost as an estimate, exactly as when no usage was sent.
	 */
	readonly usageInvalid?: readonly string[];
	/** The provider's response id (`chatcmpl-…`, `msg_…`). */
	readonly responseId?: string;
	/** The provider's request id header (`x-request-id`, `request-id`), for support tickets. */
	readonly requestId?: string;
	/** Wall time from sending the request to the end of the response. */
	readonly latencyMs: number;
	/** Wall time to the first streamed text or tool-call chunk (streaming only). */
	readonly timeToFirstChunkMs?: number;
}

/** One provider's client. Implementations never retry: retries and fallbacks belong to the routing policy. */
export interface LlmTransport {
	readonly provider: ProviderId;
	/**
	 * Sends one request. Yields chunks while the answer streams and returns the final response.
	 * Throws {@link ProviderError} for every failure, including cancellation through `signal`
	 * (reason `cancelled`). Stopping the iteration early (`return()`) aborts the HTTP request.
	 */
	send(request: ProviderRequest, signal?: AbortSignal): AsyncGenerator<ProviderChunk, ProviderResponse, void>;
}

/** Exact prompt token counts from the provider (Anthropic `messages.countTokens`). */
export interface ProviderTokenCounter {
	/** Input tokens the request would bill. Throws {@link ProviderError} like `send`. */
	countInputTokens(request: Pick<ProviderRequest, 'model' | 'messages' | 'tools'>, signal?: AbortSignal): Promise<number>;
}

/**
 * Where API keys come from, read per call and never kept: the VS Code adapter backs it with
 * SecretStorage, the CLI with environment variables, tests with a canary.
 */
export interface SecretSource {
	get(provider: ProviderId): Promise<string | undefined>;
}

/**
 * Drives a transport to completion, handing each chunk to `onChunk` (e.g. to append streamed text
 * to an editor), and returns the final response.
 */
export async function collectResponse(stream: AsyncGenerator<ProviderChunk, ProviderResponse, void>, onChunk?: (chunk: ProviderChunk) => void): Promise<ProviderResponse> {
	for (;;) {
		const next = await stream.next();
		if (next.done) return next.value;
		onChunk?.(next.value);
	}
}
