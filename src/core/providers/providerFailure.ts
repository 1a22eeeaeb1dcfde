import { CancelledError } from '../lib/errors';
import { isRetryableReason, ProviderError, type ProviderErrorReason } from './providerError';
import { parseRetryAfter, type HeaderSource } from './retryAfter';

/**
 * A failed provider call as the policies see it (retries, fallbacks, what a failed call may have
 * cost): the ONE vocabulary of {@link ProviderErrorReason}, plus `other` for something that is no
 * provider failure at all (a bug, a store error).
 */
export interface ProviderFailure {
	readonly reason: ProviderErrorReason | 'other';
	readonly status?: number;
	/** How long the server asked to wait (`retry-after-ms` / `retry-after`). */
	readonly retryAfterMs?: number;
	/** Whether the same request may succeed when retried. */
	readonly retryable: boolean;
	readonly message: string;
	/** A key was missing altogether (reason `auth`). */
	readonly keyMissing?: boolean;
}

const socketCodes = /^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/;
const unreachableCodes = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ENETDOWN)$/;

/**
 * Classifies anything a provider call threw. A {@link ProviderError} (what the product's own clients
 * throw) already says everything; other errors — a raw SDK `APIError`, a socket error — are read by
 * their status, headers, codes and class names, never by message text.
 */
export function classifyFailure(e: unknown, nowMs = 0): ProviderFailure {
	if (ProviderError.is(e)) return { reason: e.reason, status: e.status, retryAfterMs: e.retryAfterMs, retryable: e.retryable, message: e.message, ...(e.keyMissing && { keyMissing: true }) };
	const err = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
	const message = e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
	const of = (reason: ProviderErrorReason, extra: Partial<ProviderFailure> = {}): ProviderFailure => ({ reason, retryable: isRetryableReason(reason), message, ...extra });
	if (CancelledError.is(e) || err.name === 'AbortError' || err.name === 'APIUserAbortError') return of('cancelled');
	if (err.name === 'TimeoutError' || err.name === 'APIConnectionTimeoutError' || err.code === 'ETIMEDOUT') return of('timeout');
	const status = typeof err.status === 'number' ? err.status : typeof err.statusCode === 'number' ? err.statusCode : undefined;
	if (status !== undefined) {
		const retryAfterMs = parseRetryAfter(err.headers as HeaderSource, nowMs);
		if (status === 429) return of('rateLimit', { status, retryAfterMs });
		if (status === 408) return of('timeout', { status, retryAfterMs });
		if (status === 401 || status === 403) return of('auth', { status });
		if (status === 402) return of('quota', { status });
		if (status === 529 || status >= 500) return of('server', { status, retryAfterMs });
		if (status >= 400) return of('badRequest', { status });
	}
	const code = typeof err.code === 'string' ? err.code : '';
	if (unreachableCodes.test(code)) return of('unreachable');
	if (socketCodes.test(code) || err.name === 'APIConnectionError' || err.name === 'FetchError') return of('network');
	return { reason: 'other', retryable: false, message };
}

/**
 * The request reached the provider and was cut (timeout, broken connection) or failed in an unknown
 * way: the provider may have billed it, so the budget keeps a charge instead of releasing it.
 */
export function mayHaveBilled(f: Pick<ProviderFailure, 'reason'>): boolean {
	return f.reason === 'timeout' || f.reason === 'network' || f.reason === 'other';
}

/**
 * Failures that say nothing about the model: another model would fail alike (the network is down,
 * the call was cancelled), so the fallback chain stops at once instead of walking to another — and
 * possibly pricier — model.
 */
export function stopsFallback(f: Pick<ProviderFailure, 'reason'>): boolean {
	return f.reason === 'unreachable' || f.reason === 'cancelled';
}
