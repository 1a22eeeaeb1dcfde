/**
 * API keys in the engine worker, pulled from the extension host one at a time: when a transport
 * needs a provider's key, the job that is running asks the host (a `keyRequest` progress message)
 * and waits for its `live/key` answer, read from SecretStorage at that moment. The key lives only in
 * that call's stack: nothing here stores it, so a key cleared in the editor stops being used at the
 * next call.
 *
 * Which job asks is found through AsyncLocalStorage: transports are shared between concurrent jobs,
 * but each `send` runs inside the async context of the job that started it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { KeyRequest, SecretId } from '../core/jobs/liveJobs';
import type { SecretSource } from '../core/ports/llmTransport';

class KeyBrokerError extends Error {
	override readonly name = 'KeyBrokerError';
}

/** One job's channel to the host. */
export interface KeyChannel {
	post(request: KeyRequest): void;
	/** Secrets the host had none for during this job (for "Set API Key…" offers). */
	readonly missing: Set<SecretId>;
}

export class KeyBroker {
	private readonly als = new AsyncLocalStorage<KeyChannel>();
	private readonly pending = new Map<string, { resolve: (key: string | undefined) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();

	/** @param timeoutMs how long to wait for the host's answer before the call fails as "could not read the key". */
	constructor(private readonly timeoutMs = 20_000) {}

	/** What transports read keys from. Outside a job (no channel) there is no key. */
	readonly source: SecretSource = { get: provider => this.request(provider) };

	/** Runs `f` with `channel` as the place key requests go. */
	run<T>(channel: KeyChannel, f: () => Promise<T>): Promise<T> {
		return this.als.run(channel, f);
	}

	/** Any secret, e.g. the Redis password, asked inside the running job's channel (undefined outside one or when unset). */
	secret(id: SecretId): Promise<string | undefined> {
		return this.request(id);
	}

	/** The host's answer (`null`: no key set). Unknown or late ids are ignored. */
	answer(requestId: string, key: string | null): void {
		const p = this.pending.get(requestId);
		if (!p) return;
		this.pending.delete(requestId);
		clearTimeout(p.timer);
		p.resolve(typeof key === 'string' && key.trim() !== '' ? key : undefined);
	}

	get waiting(): number {
		return this.pending.size;
	}

	private request(provider: SecretId): Promise<string | undefined> {
		const channel = this.als.getStore();
		if (!channel) return Promise.resolve(undefined);
		const requestId = randomBytes(9).toString('base64url');
		return new Promise<string | undefined>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.pending.delete(requestId);
				reject(new KeyBrokerError(`the editor did not hand over the ${provider} key within ${this.timeoutMs / 1000} s`));
			}, this.timeoutMs);
			timer.unref?.();
			this.pending.set(requestId, {
				resolve: key => {
					if (key === undefined) channel.missing.add(provider);
					resolve(key);
				},
				reject,
				timer,
			});
			channel.post({ type: 'keyRequest', provider, requestId });
		});
	}
}
