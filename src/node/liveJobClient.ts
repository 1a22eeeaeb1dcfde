/**
 * The host side of the live jobs: runs a job on the engine worker and answers the worker's key
 * requests from a key source (VS Code SecretStorage in the extension) — read at that moment, sent to
 * the worker for that one call, never kept or logged here. Light: no SDK, tokenizer or price data.
 */
import type { EngineJobs } from '../core/jobs/engineJobs';
import { isKeyRequest, type KeyRequest, type LiveJobs, type SecretId } from '../core/jobs/liveJobs';
import type { JobWorkerClient } from './jobWorkerClient';

/** Where secrets come from (SecretStorage); `undefined` when none is set. */
interface HostKeySource {
	get(secret: SecretId): PromiseLike<string | undefined>;
}

type Params<K extends keyof LiveJobs> = LiveJobs[K]['params'];
type Result<K extends keyof LiveJobs> = LiveJobs[K]['result'];
/** Progress without the key requests, which this answers itself. */
type Progress<K extends keyof LiveJobs> = Exclude<LiveJobs[K]['progress'], KeyRequest>;

export interface LiveJobRunOptions<K extends keyof LiveJobs> {
	readonly keys: HostKeySource;
	readonly signal?: AbortSignal;
	readonly onProgress?: (progress: Progress<K>) => void;
	/** Told when a key request could not be answered (never with the key). */
	readonly onKeyError?: (secret: SecretId, error: unknown) => void;
}

/** Runs a live job, answering its key requests. */
export function runLiveJob<K extends keyof LiveJobs & string>(client: JobWorkerClient<EngineJobs>, job: K, params: Params<K>, options: LiveJobRunOptions<K>): Promise<Result<K>> {
	const answer = async (r: KeyRequest) => {
		let key: string | null = null;
		try {
			key = (await options.keys.get(r.provider))?.trim() || null;
		} catch (e) {
			options.onKeyError?.(r.provider, e);
		}
		try {
			await client.run('live/key', { requestId: r.requestId, key });
		} catch (e) {
			options.onKeyError?.(r.provider, e);
		}
	};
	const run = client.run as unknown as (job: string, params: unknown, o: { signal?: AbortSignal; onProgress?: (p: unknown) => void }) => Promise<Result<K>>;
	return run.call(client, job, params, {
		signal: options.signal,
		onProgress: p => {
			if (isKeyRequest(p)) void answer(p);
			else options.onProgress?.(p as Progress<K>);
		},
	});
}
