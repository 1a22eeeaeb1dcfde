import { classifyFailure, type CallFailure, type FailureKind } from '../routing/fallback';
import { ProviderError, type ProviderErrorReason } from './providerError';

/**
 * How the routing policy's fallback loop (`callWithFallback`) should treat a {@link ProviderError}:
 * pass this as its `classify`. The transport already decided reason, status, retry-after and
 * retryability, so nothing is re-derived from SDK internals; anything else falls back to the
 * routing policy's own classifier.
 *
 * - `quota` never retries on the same model but moves on (another provider may have credit);
 * - `badResponse` is an unusable answer: move on, like a failed validator;
 * - a server that said `x-should-retry: false` is not retried, only fallen back from.
 */
export function classifyProviderFailure(e: unknown, now: number): CallFailure {
	if (!ProviderError.is(e)) return classifyFailure(e, now);
	let kind: FailureKind = kindOf[e.reason];
	if (!e.retryable && (kind === 'rateLimit' || kind === 'server' || kind === 'timeout' || kind === 'network')) kind = 'other';
	return { kind, status: e.status, retryAfterMs: e.retryAfterMs, message: e.message };
}

const kindOf: Record<ProviderErrorReason, FailureKind> = {
	auth: 'auth',
	quota: 'other',
	rateLimit: 'rateLimit',
	server: 'server',
	timeout: 'timeout',
	network: 'network',
	badResponse: 'invalidResponse',
	cancelled: 'cancelled',
	badRequest: 'badRequest',
};
