/**
 * Typed messages between the extension host and its webviews. Every message is described once by a
 * descriptor constant; the direction is in its kind:
 * - {@link IpcCommand}: webview → host, no reply;
 * - {@link IpcRequest}: webview → host, the host answers on `request.response` with the same `completionId`;
 * - {@link IpcNotification}: host → webview.
 * Receivers narrow with `Descriptor.is(msg)`; there are no string literals at call sites.
 */
export interface IpcMessage<P = unknown> {
	/** Unique per sender, for logs. */
	readonly id: string;
	readonly method: string;
	readonly params: P;
	/** Set on requests and on their responses, to pair them. */
	readonly completionId?: string;
}

abstract class IpcCall<P> {
	constructor(readonly method: string) {}
	is(msg: unknown): msg is IpcMessage<P> {
		return typeof msg === 'object' && msg !== null && (msg as IpcMessage).method === this.method;
	}
}

/** webview → host, fire-and-forget. */
export class IpcCommand<P = void> extends IpcCall<P> {
	readonly direction = 'toHost' as const;
}

/** webview → host; the host replies with `response`. */
export class IpcRequest<P = void, R = void> extends IpcCall<P> {
	readonly direction = 'toHost' as const;
	readonly response: IpcNotification<IpcResponse<R>>;
	constructor(method: string) {
		super(method);
		this.response = new IpcNotification<IpcResponse<R>>(`${method}/response`);
	}
}

/** host → webview. */
export class IpcNotification<P = void> extends IpcCall<P> {
	readonly direction = 'toWebview' as const;
}

/**
 * A request either succeeds with a value or fails with a message the UI can show, plus the typed
 * `reason` when the failure has one (so the webview can branch without matching on text).
 */
export type IpcResponse<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: string; readonly reason?: string };

let counter = 0;
/** Builds a message for a descriptor; `completionId` pairs a request with its response. */
export function createMessage<P>(descriptor: IpcCall<P>, params: P, completionId?: string): IpcMessage<P> {
	counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
	return { id: `m${counter}`, method: descriptor.method, params, ...(completionId !== undefined ? { completionId } : {}) };
}

/** Sent by every webview once its script runs; the host queues notifications until then. */
export const WebviewReadyCommand = new IpcCommand<{ readonly panel: string }>('core/webview/ready');
