import { AsyncLocalStorage } from 'node:async_hooks';
import type { MessagePort } from 'node:worker_threads';
import type { JobHandler, JobHandlers, JobMessage, JobRequest, JobSpec } from '../core/jobs/jobProtocol';
import { EngineJobError, serializeError } from '../core/jobs/jobProtocol';

/** The cancel flag of the job whose code is running (kept across its awaits). */
const runningJob = new AsyncLocalStorage<Int32Array>();

/**
 * True when the job whose code is running now was cancelled by the host: synchronous work polls
 * it (the engine worker installs it as the counters' interrupt check, `setCountInterruptCheck`).
 */
export function currentJobCancelled(): boolean {
	const flag = runningJob.getStore();
	return flag !== undefined && Atomics.load(flag, 0) === 1;
}

/**
 * The worker side of the job protocol: runs each started job with its own AbortController, relays
 * progress, and answers exactly once. Jobs run concurrently (they are async); CPU-bound jobs
 * should yield now and then (e.g. check their signal between steps) so cancels get through.
 */
export function serveJobs<M>(port: MessagePort | { on(event: 'message', l: (m: JobRequest) => void): void; postMessage(m: JobMessage): void }, handlers: JobHandlers<M>): void {
	const running = new Map<number, AbortController>();
	const post = (m: JobMessage) => port.postMessage(m);
	port.on('message', (req: JobRequest) => {
		if (req.kind === 'cancel') {
			running.get(req.id)?.abort();
			return;
		}
		const handler = (handlers as unknown as Record<string, JobHandler<JobSpec<unknown, unknown, unknown>> | undefined>)[req.job];
		if (!handler) {
			post({ kind: 'failed', id: req.id, error: serializeError(new EngineJobError('unknownJob', `the engine worker has no job ${JSON.stringify(req.job)}`)) });
			return;
		}
		const controller = new AbortController();
		running.set(req.id, controller);
		const flag = new Int32Array(req.cancelFlag ?? new SharedArrayBuffer(4));
		void runningJob.run(flag, async () => {
			try {
				const value = await handler(req.params, { signal: controller.signal, progress: progress => post({ kind: 'progress', id: req.id, progress }) });
				post({ kind: 'done', id: req.id, value });
			} catch (e) {
				post({ kind: 'failed', id: req.id, error: serializeError(e) });
			} finally {
				running.delete(req.id);
			}
		});
	});
}
