import { Worker } from 'node:worker_threads';
import type { JobMessage, JobRequest, JobSpec, SerializedError } from '../core/jobs/jobProtocol';
import { deserializeError, EngineJobError } from '../core/jobs/jobProtocol';
import { CancelledError } from '../core/lib/errors';
import type { Disposable } from '../core/lib/disposable';

export interface JobWorkerClientOptions {
	/** The bundled worker script. */
	readonly workerPath: string;
	readonly workerData?: unknown;
	/** Rebuilds typed errors of the jobs (e.g. TranscriptImportError) from their serialized form. */
	readonly reviveError?: (e: SerializedError) => Error | undefined;
	/** The worker exited unexpectedly; running jobs failed with `crashed` and the next job starts a new worker. */
	readonly onCrash?: (error: EngineJobError) => void;
}

export interface RunOptions<G> {
	readonly signal?: AbortSignal;
	readonly onProgress?: (progress: G) => void;
	/** Fail (and restart the worker) if the job has not finished by then. No limit by default: replays can be long. */
	readonly timeoutMs?: number;
}

interface Running {
	readonly resolve: (v: unknown) => void;
	readonly reject: (e: Error) => void;
	readonly onProgress?: (p: unknown) => void;
	readonly cleanup: () => void;
}

const crashWindowMs = 60_000;
const crashLimit = 3;

/**
 * Host side of a job worker: spawned on the first job (never during activation), restarted after
 * a crash, terminated on dispose. Every job settles: with its value, a typed error, a
 * {@link CancelledError} after `signal` aborts, or an {@link EngineJobError} if the worker dies.
 */
export class JobWorkerClient<M> implements Disposable {
	private worker: Worker | undefined;
	private readonly running = new Map<number, Running>();
	private nextId = 1;
	private disposed = false;
	private crashes: number[] = [];

	constructor(private readonly options: JobWorkerClientOptions) {}

	get isRunning(): boolean {
		return this.worker !== undefined;
	}

	run<K extends keyof M & string>(
		job: K,
		params: M[K] extends JobSpec<infer P, unknown, unknown> ? P : never,
		options: RunOptions<M[K] extends JobSpec<unknown, infer G, unknown> ? G : never> = {},
	): Promise<M[K] extends JobSpec<unknown, unknown, infer R> ? R : never> {
		type R = M[K] extends JobSpec<unknown, unknown, infer X> ? X : never;
		if (this.disposed) return Promise.reject(new EngineJobError('disposed', 'the engine worker was disposed'));
		if (options.signal?.aborted) return Promise.reject(new CancelledError());
		let worker: Worker;
		try {
			worker = this.ensureWorker();
		} catch (e) {
			return Promise.reject(e);
		}
		const id = this.nextId++;
		const cancelFlag = new SharedArrayBuffer(4);
		return new Promise<R>((resolve, reject) => {
			const onAbort = () => {
				Atomics.store(new Int32Array(cancelFlag), 0, 1);
				worker.postMessage({ kind: 'cancel', id } satisfies JobRequest);
			};
			options.signal?.addEventListener('abort', onAbort, { once: true });
			const timer =
				options.timeoutMs !== undefined
					? setTimeout(() => {
							this.running.get(id)?.reject(new EngineJobError('timeout', `the engine worker did not finish ${job} within ${options.timeoutMs} ms`));
							this.running.delete(id);
							this.stop(worker, new EngineJobError('crashed', 'restarted after a timeout'));
						}, options.timeoutMs)
					: undefined;
			this.running.set(id, {
				resolve: resolve as (v: unknown) => void,
				reject,
				onProgress: options.onProgress as ((p: unknown) => void) | undefined,
				cleanup: () => {
					options.signal?.removeEventListener('abort', onAbort);
					if (timer) clearTimeout(timer);
				},
			});
			worker.postMessage({ kind: 'start', id, job, params, cancelFlag } satisfies JobRequest);
		});
	}

	dispose(): void {
		if (this.disposed) return;
		this.disposed = true;
		this.failAll(new EngineJobError('disposed', 'the engine worker was disposed'));
		const w = this.worker;
		this.worker = undefined;
		void w?.terminate();
	}

	private ensureWorker(): Worker {
		if (this.worker) return this.worker;
		const now = Date.now();
		this.crashes = this.crashes.filter(t => now - t < crashWindowMs);
		if (this.crashes.length >= crashLimit) throw new EngineJobError('crashed', `the engine worker crashed ${this.crashes.length} times in the last minute; not restarting yet`);
		const worker = new Worker(this.options.workerPath, { workerData: this.options.workerData });
		worker.unref();
		worker.on('message', (m: JobMessage) => this.onMessage(m));
		worker.on('error', e => this.onExit(worker, new EngineJobError('crashed', `engine worker error: ${e.message}`)));
		worker.on('exit', code => this.onExit(worker, new EngineJobError('crashed', `engine worker exited with code ${code}`)));
		this.worker = worker;
		return worker;
	}

	private onMessage(m: JobMessage): void {
		const r = this.running.get(m.id);
		if (!r) return;
		if (m.kind === 'progress') {
			try {
				r.onProgress?.(m.progress);
			} catch {
				// a broken progress listener must not fail the job
			}
			return;
		}
		this.running.delete(m.id);
		r.cleanup();
		if (m.kind === 'done') r.resolve(m.value);
		else r.reject(deserializeError(m.error, this.options.reviveError));
	}

	private onExit(worker: Worker, error: EngineJobError): void {
		if (this.worker !== worker) return;
		this.worker = undefined;
		if (this.disposed) return;
		this.crashes.push(Date.now());
		this.failAll(error);
		this.options.onCrash?.(error);
	}

	private stop(worker: Worker, error: EngineJobError): void {
		if (this.worker === worker) this.worker = undefined;
		this.failAll(error);
		void worker.terminate();
	}

	private failAll(error: Error): void {
		for (const [id, r] of this.running) {
			this.running.delete(id);
			r.cleanup();
			r.reject(error);
		}
	}
}
