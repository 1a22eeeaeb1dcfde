/**
 * The client side of the gateway's control API (`/__agent-cost/…`, token in `x-agent-cost-token`):
 * what the extension (and the tests) use to check, configure, watch and stop the machine's gateway.
 * Plain `node:http` to 127.0.0.1 — light enough for the extension host, which must never load the
 * engine's tokenizers or price data.
 */
import { request } from 'node:http';
import { EngineError } from '../../core/lib/errors';
import type { GatewaySnapshot } from '../../core/gateway/gatewaySnapshot';
import type { GatewayState } from './gatewayState';

const prefix = '/__agent-cost/';
const tokenHeader = 'x-agent-cost-token';

class GatewayControlError extends EngineError<'unreachable' | 'rejected' | 'timeout'> {
	readonly kind = 'gatewayControl';
	static is(e: unknown): e is GatewayControlError {
		return e instanceof GatewayControlError;
	}
}

export interface GatewayHealth {
	readonly ok: true;
	readonly pid: number;
	readonly url: string;
	readonly mode: GatewayState['mode'];
	readonly version: string;
}

export class GatewayControl {
	constructor(readonly state: Pick<GatewayState, 'url' | 'token'>) {}

	/** One JSON request; rejects with {@link GatewayControlError}. */
	call<T>(method: string, route: string, body?: unknown, timeoutMs = 5000): Promise<T> {
		const url = new URL(prefix + route, this.state.url);
		const payload = body === undefined ? undefined : JSON.stringify(body);
		return new Promise((resolve, reject) => {
			const req = request(
				url,
				{ method, headers: { [tokenHeader]: this.state.token, ...(payload !== undefined && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) } },
				res => {
					const chunks: Buffer[] = [];
					res.on('data', (c: Buffer) => chunks.push(c));
					res.on('end', () => {
						const text = Buffer.concat(chunks).toString('utf8');
						if ((res.statusCode ?? 500) >= 300) return reject(new GatewayControlError('rejected', `the gateway answered ${res.statusCode} to ${method} ${route}: ${text.slice(0, 200)}`));
						try {
							resolve(JSON.parse(text) as T);
						} catch {
							reject(new GatewayControlError('rejected', `the gateway's answer to ${route} is not JSON`));
						}
					});
					res.on('error', e => reject(new GatewayControlError('unreachable', e.message)));
				},
			);
			req.setTimeout(timeoutMs, () => req.destroy(new GatewayControlError('timeout', `the gateway did not answer ${route} within ${timeoutMs} ms`)));
			req.on('error', e =>
				reject(GatewayControlError.is(e) ? e : new GatewayControlError('unreachable', `the gateway at ${this.state.url} is not reachable (${(e as NodeJS.ErrnoException).code ?? e.message})`)),
			);
			req.end(payload);
		});
	}

	health(timeoutMs = 2000): Promise<GatewayHealth> {
		return this.call('GET', 'health', undefined, timeoutMs);
	}

	status(): Promise<GatewaySnapshot> {
		return this.call('GET', 'status');
	}

	registerWorkspace(recordDir: string): Promise<{ readonly key: string }> {
		return this.call('POST', 'workspaces', { recordDir });
	}

	/** Hands stored keys to the gateway's memory (null removes one). Answers which providers have one. */
	setKeys(keys: { readonly anthropic?: string | null; readonly openai?: string | null }): Promise<{ readonly anthropic: boolean; readonly openai: boolean }> {
		return this.call('PUT', 'keys', keys);
	}

	/** New `agentCost.*` settings (budgets, policies); answers the problems found in them. */
	updateSettings(settings: unknown): Promise<{ readonly problems: readonly { readonly key: string; readonly message: string }[] }> {
		return this.call('PUT', 'settings', settings);
	}

	shutdown(): Promise<{ readonly stopping: boolean; readonly inFlight: number }> {
		return this.call('POST', 'shutdown');
	}

	/**
	 * Follows the live snapshot stream until `signal` fires or the gateway goes away (then
	 * `onEnd` is called once; the caller decides whether to reconnect).
	 */
	watch(onSnapshot: (s: GatewaySnapshot) => void, onEnd: (error?: Error) => void, signal: AbortSignal): void {
		const url = new URL(prefix + 'events', this.state.url);
		let ended = false;
		const end = (e?: Error) => {
			if (ended) return;
			ended = true;
			onEnd(e);
		};
		const req = request(url, { method: 'GET', headers: { [tokenHeader]: this.state.token, accept: 'text/event-stream' } }, res => {
			if (res.statusCode !== 200) {
				res.resume();
				return end(new GatewayControlError('rejected', `the gateway refused the event stream (${res.statusCode})`));
			}
			res.setEncoding('utf8');
			let buffer = '';
			res.on('data', (text: string) => {
				buffer += text;
				let i: number;
				while ((i = buffer.indexOf('\n\n')) >= 0) {
					const event = buffer.slice(0, i);
					buffer = buffer.slice(i + 2);
					const data = event
						.split('\n')
						.filter(l => l.startsWith('data: '))
						.map(l => l.slice(6))
						.join('\n');
					if (!data) continue;
					try {
						onSnapshot(JSON.parse(data) as GatewaySnapshot);
					} catch {
						// a torn or foreign event: wait for the next snapshot
					}
				}
			});
			res.on('end', () => end());
			res.on('error', e => end(e));
		});
		req.on('error', e => end(e));
		signal.addEventListener('abort', () => req.destroy(), { once: true });
		req.end();
	}
}
