import { EngineError } from '../lib/errors';
import type { Usage } from '../pricing/usage';
import type { ProviderId, ProviderToolCall } from '../ports/llmTransport';

/**
 * Why a provider call failed. The routing policy decides retries and fallbacks from this (and
 * {@link ProviderError.retryable} / `retryAfterMs`); the adapter maps it to user-facing text.
 *
 * - `auth`: key missing, wrong or without permission (401/403) — retrying never helps.
 * - `quota`: the account is out of credit or over a spend limit (OpenAI 429 `insufficient_quota`,
 *   Anthropic 402/`billing_error`) — unlike `rateLimit`, waiting does not help; another provider may.
 * - `rateLimit`: 429 — retry after `retryAfterMs` when the server says so.
 * - `server`: 5xx, Anthropic 529 overloaded, 409, or an error event in the middle of a stream.
 * - `timeout`: no byte from the server for the request's inactivity timeout.
 * - `unreachable`: the host could not be reached at all (DNS, connection refused, offline): nothing
 *   was sent, so nothing was billed — and another model behind the same network fails alike, so
 *   the fallback chain is not walked for it.
 * - `network`: a connection that broke after the request was sent (reset, a stream cut before its
 *   final event): the provider may have billed it.
 * - `badResponse`: a 2xx whose body is not what the protocol promises (malformed JSON, HTML…).
 * - `cancelled`: the caller's AbortSignal fired.
 * - `badRequest`: 4xx for the request itself (unknown model, context too long, bad tool schema).
 */
export type ProviderErrorReason = 'auth' | 'quota' | 'rateLimit' | 'server' | 'timeout' | 'unreachable' | 'network' | 'badResponse' | 'cancelled' | 'badRequest';

/** What had arrived before a streamed response failed; the provider has most likely billed for it. */
export interface PartialResponse {
	readonly text: string;
	readonly toolCalls: readonly ProviderToolCall[];
	/** Usage reported before the failure (Anthropic sends the input side first); undefined if none. */
	readonly usage?: Usage;
	readonly responseId?: string;
}

export interface ProviderErrorDetails {
	readonly provider: ProviderId;
	readonly model: string;
	readonly status?: number;
	/** How long the server asked us to wait (`retry-after-ms` / `retry-after`), in ms. */
	readonly retryAfterMs?: number;
	/** Overrides the reason's default (the server's `x-should-retry` header wins when present). */
	readonly retryable?: boolean;
	readonly requestId?: string;
	/** The provider's own error code/type (`rate_limit_exceeded`, `overloaded_error`, `context_length_exceeded`…). */
	readonly providerCode?: string;
	/** True when no key was configured at all (reason `auth`), so the UI can offer to set one. */
	readonly keyMissing?: boolean;
	readonly partial?: PartialResponse;
}

/** Reasons worth retrying on the same model when the server does not say otherwise. */
export function isRetryableReason(reason: ProviderErrorReason): boolean {
	return reason === 'rateLimit' || reason === 'server' || reason === 'timeout' || reason === 'unreachable' || reason === 'network';
}

/**
 * A failed provider call. Messages never contain an API key (the clients scrub them) and are one
 * clear sentence for logs; UIs branch on `reason`, never on the message.
 */
export class ProviderError extends EngineError<ProviderErrorReason> {
	readonly kind = 'provider';
	// Explicit: bundlers rename classes that refer to themselves, and `new.target.name` follows.
	override readonly name = 'ProviderError';
	readonly provider: ProviderId;
	readonly model: string;
	readonly status?: number;
	readonly retryAfterMs?: number;
	/** Whether the SAME request may succeed if retried (see {@link isRetryableReason}). */
	readonly retryable: boolean;
	readonly requestId?: string;
	readonly providerCode?: string;
	readonly keyMissing: boolean;
	/** Present when the failure happened after the response had started streaming. */
	readonly partial?: PartialResponse;

	constructor(reason: ProviderErrorReason, message: string, details: ProviderErrorDetails) {
		super(reason, message);
		this.provider = details.provider;
		this.model = details.model;
		this.status = details.status;
		this.retryAfterMs = details.retryAfterMs;
		this.retryable = details.retryable ?? isRetryableReason(reason);
		this.requestId = details.requestId;
		this.providerCode = details.providerCode;
		this.keyMissing = details.keyMissing ?? false;
		this.partial = details.partial;
	}

	static is(e: unknown, reason?: ProviderErrorReason): e is ProviderError {
		return e instanceof ProviderError && (reason === undefined || e.reason === reason);
	}
}
