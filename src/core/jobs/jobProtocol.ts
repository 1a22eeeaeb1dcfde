import { CancelledError, EngineError } from '../lib/errors';

/**
 * Messages between the extension host and the engine worker, which runs the heavy, long work
 * (transcript import, replays, sweeps, live calls) off the shared extension host's thread. A job
 * is started with an id, may report progress any number of times, and ends with exactly one
 * `done` or `failed`. The host can cancel a job; the worker aborts its AbortSignal.
 */
export type JobRequest =
	| {
			readonly kind: 'start';
			readonly id: number;
			readonly job: string;
			readonly params: unknown;
			/**
			 * One Int32 the host sets to 1 when it cancels the job. Shared memory, so synchronous work
			 * (a long count) sees the cancel at once, without waiting for the `cancel` message.
			 */
			readonly cancelFlag?: SharedArrayBuffer;
	  }
	| { readonly kind: 'cancel'; readonly id: number };

export type JobMessage =
	| { readonly kind: 'progress'; readonly id: number; readonly progress: unknown }
	| { readonly kind: 'done'; readonly id: number; readonly value: unknown }
	| { readonly kind: 'failed'; readonly id: number; readonly error: SerializedError };

/** An error as it crosses the thread boundary: class name + typed reason survive, so callers can still branch on `reason`. */
export interface SerializedError {
	readonly name: string;
	readonly reason?: string;
	readonly message: string;
	/** Extra structured fields of typed errors (file, line, formats tried…). */
	readonly details?: Readonly<Record<string, unknown>>;
}

/** A job type: what it takes, what it reports while running, what it returns. */
export interface JobSpec<P, G, R> {
	readonly params: P;
	readonly progress: G;
	readonly result: R;
}

/** Everything a job handler gets besides its parameters. */
export interface JobContext<G> {
	readonly signal: AbortSignal;
	progress(p: G): void;
}

export type JobHandler<S extends JobSpec<unknown, unknown, unknown>> = (params: S['params'], ctx: JobContext<S['progress']>) => Promise<S['result']> | S['result'];

export type JobHandlers<M> = { readonly [K in keyof M]: M[K] extends JobSpec<unknown, unknown, unknown> ? JobHandler<M[K]> : never };

/** A failure of a job that has no typed error of its own (unknown job, a bug, the worker died). */
export class EngineJobError extends EngineError<'unknownJob' | 'failed' | 'crashed' | 'disposed' | 'timeout'> {
	readonly kind = 'engineJob';
	/** For `failed`: the job's own error, as thrown in the worker (e.g. name TranscriptImportError, reason malformed). */
	original?: SerializedError;
	static is(e: unknown, reason?: EngineJobError['reason']): e is EngineJobError {
		return e instanceof EngineJobError && (reason === undefined || e.reason === reason);
	}
}

/** The serializable form of any thrown value. */
export function serializeError(e: unknown): SerializedError {
	if (e instanceof Error) {
		// Only plain fields of our typed errors cross (file, line, status, formatsTried…). Objects stay
		// behind: a client library's error can carry the request it failed on (ioredis attaches the
		// AUTH command with its password), and nothing secret may reach the host's logs.
		const details: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(e)) {
			if (k === 'reason' || k === 'kind' || k === 'message' || k === 'name' || k === 'stack' || k === 'cause') continue;
			if (/pass|secret|key|token|auth|command|args|headers/i.test(k)) continue;
			const plain = (x: unknown) => x === null || typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
			if (plain(v) || (Array.isArray(v) && v.every(plain))) details[k] = v;
		}
		const reason = (e as { reason?: unknown }).reason;
		return { name: e.name, ...(typeof reason === 'string' && { reason }), message: e.message, ...(Object.keys(details).length && { details }) };
	}
	return { name: 'Error', message: String(e) };
}

/**
 * Rebuilds a thrown value on the host: cancellation becomes a {@link CancelledError} again, typed
 * errors a caller knows how to rebuild come back through `revive`, anything else an
 * {@link EngineJobError} carrying the original name, reason and message.
 */
export function deserializeError(e: SerializedError, revive?: (e: SerializedError) => Error | undefined): Error {
	if (e.name === 'CancelledError') return new CancelledError(e.message);
	const revived = revive?.(e);
	if (revived) return revived;
	const err = new EngineJobError('failed', e.message);
	err.original = e;
	return err;
}
