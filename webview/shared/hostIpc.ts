import type { IpcCommand, IpcMessage, IpcNotification, IpcRequest, IpcResponse } from '../../src/protocol/ipc';
import { createMessage, WebviewReadyCommand } from '../../src/protocol/ipc';

/** The one seam between the panel UI and whatever hosts it (VS Code, or a test page). */
export interface HostApi {
	postMessage(message: IpcMessage): void;
	getState(): unknown;
	setState(state: unknown): void;
}

declare function acquireVsCodeApi(): HostApi;

/**
 * Typed messaging with the extension host. Only this module touches `acquireVsCodeApi`, so the UI
 * can run in a plain browser page with a fake host.
 */
export class HostIpc {
	private readonly pending = new Map<string, (response: IpcResponse<unknown>) => void>();
	private readonly listeners = new Map<string, Set<(params: unknown) => void>>();
	private nextCompletion = 0;

	constructor(readonly host: HostApi = acquireVsCodeApi()) {
		window.addEventListener('message', event => this.onMessage(event.data));
	}

	/** Tells the host the script is running; it flushes queued notifications after this. */
	ready(panel: string): void {
		this.command(WebviewReadyCommand, { panel });
	}

	command<P>(descriptor: IpcCommand<P>, params: P): void {
		this.host.postMessage(createMessage(descriptor, params));
	}

	/** Sends a request; resolves with the value or rejects with a {@link HostRequestError} (the host's text and reason). */
	request<P, R>(descriptor: IpcRequest<P, R>, params: P): Promise<R> {
		const completionId = `c${++this.nextCompletion}`;
		return new Promise<R>((resolve, reject) => {
			this.pending.set(completionId, response => (response.ok ? resolve(response.value as R) : reject(new HostRequestError(response.error, response.reason))));
			this.host.postMessage(createMessage(descriptor, params, completionId));
		});
	}

	on<P>(descriptor: IpcNotification<P>, listener: (params: P) => void): () => void {
		let set = this.listeners.get(descriptor.method);
		if (!set) this.listeners.set(descriptor.method, (set = new Set()));
		const l = listener as (params: unknown) => void;
		set.add(l);
		return () => set!.delete(l);
	}

	private onMessage(data: unknown): void {
		if (typeof data !== 'object' || data === null) return;
		const msg = data as IpcMessage;
		if (typeof msg.method !== 'string') return;
		if (msg.completionId !== undefined && msg.method.endsWith('/response')) {
			const resolve = this.pending.get(msg.completionId);
			if (resolve) {
				this.pending.delete(msg.completionId);
				resolve(msg.params as IpcResponse<unknown>);
			}
			return;
		}
		for (const l of this.listeners.get(msg.method) ?? []) l(msg.params);
	}
}

/** A request the host answered with a failure: its user-facing text and, when typed, its reason. */
class HostRequestError extends Error {
	constructor(
		message: string,
		readonly reason?: string,
	) {
		super(message);
		this.name = 'HostRequestError';
	}
}

/** Reads the JSON the host serialized into the page, so the first paint needs no round trip. */
export function readBootstrap<T>(): T | undefined {
	const el = document.getElementById('bootstrap');
	if (!el?.textContent) return undefined;
	try {
		return JSON.parse(el.textContent) as T;
	} catch {
		return undefined;
	}
}
