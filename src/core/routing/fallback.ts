import type { Clock, Random } from '../ports/clock';
import { CancelledError, EngineError } from '../lib/errors';
import { classifyFailure, stopsFallback, type ProviderFailure } from '../providers/providerFailure';

export interface RetryPolicy {
	readonly maxRetries: number;
	/** @default 500 */
	readonly baseMs?: number;
	/** Cap of one backoff. @default 20 000 */
	readonly maxMs?: number;
	/** A `retry-after` longer than this is not waited for: the next model is tried instead. @default 60 000 */
	readonly maxRetryAfterMs?: number;
}

/**
 * Delay before retry number `retry` (0-based): the server's `retry-after` when given (it knows its
 * rate window), else exponential backoff with full jitter — uniform in [0, min(max, base·2^retry)] —
 * which spreads concurrent retriers best. Deterministic under the injected {@link Random}.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: Random, retryAfterMs?: number): number {
	if (retryAfterMs !== undefined) return retryAfterMs;
	const cap = Math.min(policy.maxMs ?? 20_000, (policy.baseMs ?? 500) * 2 ** retry);
	return Math.floor(random.next() * cap);
}

export interface BreakerOptions {
	/** Consecutive failures that open the breaker. @default 3 */
	readonly failureThreshold?: number;
	readonly cooldownMs: number;
	readonly clock: Clock;
}

/**
 * Per-model circuit breaker: after `failureThreshold` consecutive retryable failures a model is
 * skipped for `cooldownMs`; then one trial call is let through (half-open) and a success closes it.
 */
export class CircuitBreaker {
	private readonly state = new Map<string, { failures: number; openUntil: number }>();
	constructor(private readonly opts: BreakerOptions) {}

	/** ms until the model may be tried again (0 = available now). */
	cooldownLeft(model: string): number {
		const s = this.state.get(model);
		if (!s || s.openUntil === 0) return 0;
		return Math.max(0, s.openUntil - this.opts.clock.now());
	}

	isOpen(model: string): boolean {
		return this.cooldownLeft(model) > 0;
	}

	recordSuccess(model: string): void {
		this.state.delete(model);
	}

	recordFailure(model: string): void {
		const s = this.state.get(model) ?? { failures: 0, openUntil: 0 };
		s.failures++;
		if (s.failures >= (this.opts.failureThreshold ?? 3)) {
			s.openUntil = this.opts.clock.now() + this.opts.cooldownMs;
			s.failures = 0;
		}
		this.state.set(model, s);
	}
}

/** One try of one model, for logs and the UI. */
export interface AttemptRecord {
	readonly model: string;
	readonly retry: number;
	readonly outcome: 'ok' | ProviderFailure['reason'] | 'skipped';
	readonly detail?: string;
	/** ms waited before this attempt. */
	readonly waitedMs: number;
}

/**
 * Why the chain ended without an answer: every model failed or was skipped (`exhausted`), the key
 * was rejected or missing (`auth`), or the provider could not be reached at all (`unreachable`:
 * another model would fail alike, so none was tried).
 */
export type FallbackStop = 'exhausted' | 'auth' | 'unreachable';

/** Every model in the chain failed or was skipped. */
export class FallbackExhaustedError extends EngineError<FallbackStop> {
	readonly kind = 'routing';
	constructor(
		reason: FallbackStop,
		readonly attempts: readonly AttemptRecord[],
		message: string,
		/** The failure that ended the chain (the last model's). */
		readonly failure?: ProviderFailure,
	) {
		super(reason, message);
	}
	static is(e: unknown, reason?: FallbackStop): e is FallbackExhaustedError {
		return e instanceof FallbackExhaustedError && (reason === undefined || e.reason === reason);
	}
}

export interface FallbackOptions<R> {
	/** The chosen model first, then its fallbacks. */
	readonly models: readonly string[];
	readonly call: (model: string, info: { readonly retry: number; readonly signal?: AbortSignal }) => Promise<R>;
	/** Returns an error text when a response is unusable (e.g. not valid JSON): the next model is tried. */
	readonly validate?: (result: R) => string | undefined;
	/**
	 * Called before the first try of each model (e.g. to reserve its budget); return 'skip' to pass
	 * it over. Throwing stops the chain (a hard budget refusal).
	 */
	readonly beforeModel?: (model: string, index: number) => Promise<'ok' | 'skip'>;
	/**
	 * Called after a model is given up on: release its reservation, or — for `invalidResponse`, whose
	 * call was billed — settle it with the rejected `result`'s usage.
	 */
	readonly afterModelFailed?: (model: string, failure: ProviderFailure, result?: R) => Promise<void>;
	/**
	 * Called when a model is passed over without `beforeModel` (its circuit breaker is open): a
	 * budget reserved for it in advance (the routed model's, at planning time) must be released.
	 */
	readonly onSkipped?: (model: string, index: number) => Promise<void>;
	readonly retry: RetryPolicy;
	readonly breaker?: CircuitBreaker;
	readonly random: Random;
	readonly clock: Clock;
	readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
	readonly classify?: (e: unknown, now: number) => ProviderFailure;
	readonly signal?: AbortSignal;
}

export interface FallbackResult<R> {
	readonly result: R;
	readonly model: string;
	readonly attempts: readonly AttemptRecord[];
}

/**
 * Calls the chain: each model is retried on 429/5xx/timeouts/network errors with backoff (honoring
 * `retry-after`), a model whose breaker is open is skipped, an invalid response or a 4xx moves on to
 * the next model, an auth error or cancellation stops at once.
 */
export async function callWithFallback<R>(o: FallbackOptions<R>): Promise<FallbackResult<R>> {
	const attempts: AttemptRecord[] = [];
	const classify = o.classify ?? classifyFailure;
	let last: ProviderFailure | undefined;
	for (let index = 0; index < o.models.length; index++) {
		const model = o.models[index]!;
		if (o.breaker?.isOpen(model) && index < o.models.length - 1) {
			attempts.push({ model, retry: 0, outcome: 'skipped', detail: `cooling down for ${Math.ceil(o.breaker.cooldownLeft(model) / 1000)} s after repeated failures`, waitedMs: 0 });
			await o.onSkipped?.(model, index);
			continue;
		}
		if (o.beforeModel && (await o.beforeModel(model, index)) === 'skip') {
			attempts.push({ model, retry: 0, outcome: 'skipped', detail: 'skipped by policy (budget)', waitedMs: 0 });
			continue;
		}
		let waited = 0;
		for (let retry = 0; ; retry++) {
			if (o.signal?.aborted) throw new CancelledError();
			let result: R;
			try {
				result = await o.call(model, { retry, signal: o.signal });
			} catch (e) {
				const f = classify(e, o.clock.now());
				last = f;
				attempts.push({ model, retry, outcome: f.reason, detail: f.message, waitedMs: waited });
				if (f.reason === 'cancelled') throw e instanceof CancelledError ? e : new CancelledError();
				if (f.reason === 'auth') {
					await o.afterModelFailed?.(model, f);
					throw new FallbackExhaustedError('auth', attempts, f.message, f);
				}
				const tooLong = f.retryAfterMs !== undefined && f.retryAfterMs > (o.retry.maxRetryAfterMs ?? 60_000);
				if (f.retryable && retry < o.retry.maxRetries && !tooLong) {
					waited = backoffDelay(retry, o.retry, o.random, f.retryAfterMs);
					await o.sleep(waited, o.signal);
					continue;
				}
				await o.afterModelFailed?.(model, f);
				// The models after this one are not reserved yet: nothing to release.
				if (stopsFallback(f)) throw new FallbackExhaustedError('unreachable', attempts, f.message, f);
				if (f.retryable) o.breaker?.recordFailure(model);
				break;
			}
			const invalid = o.validate?.(result);
			if (invalid !== undefined) {
				const f: ProviderFailure = { reason: 'badResponse', retryable: false, message: invalid };
				last = f;
				attempts.push({ model, retry, outcome: 'badResponse', detail: invalid, waitedMs: waited });
				await o.afterModelFailed?.(model, f, result);
				break;
			}
			o.breaker?.recordSuccess(model);
			attempts.push({ model, retry, outcome: 'ok', waitedMs: waited });
			return { result, model, attempts };
		}
	}
	throw new FallbackExhaustedError('exhausted', attempts, `Every model failed: ${attempts.map(a => `${a.model} ${a.outcome}${a.detail ? ` (${a.detail})` : ''}`).join('; ')}`, last);
}

/** Waits `ms`, rejecting with {@link CancelledError} when the signal fires (the live default for `sleep`). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) return reject(new CancelledError());
		const onAbort = () => {
			clearTimeout(timer);
			reject(new CancelledError());
		};
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}

/** A validator for responses that must be JSON. */
export function validJson(text: string): string | undefined {
	try {
		JSON.parse(text);
		return undefined;
	} catch (e) {
		return `not valid JSON: ${e instanceof Error ? e.message : String(e)}`;
	}
}
