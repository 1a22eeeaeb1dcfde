/**
 * One request through to the provider and its response back to the client: headers, then the body
 * streamed chunk by chunk with backpressure, each chunk written to the client BEFORE a copy of it is
 * decoded and parsed for accounting. Timeouts count inactivity (a long answer that keeps streaming
 * is never cut); a client that goes away aborts the upstream request.
 */
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import type { GatewayProvider } from '../../core/gateway/gatewayRoutes';
import type { ResponseObserver } from '../../core/gateway/responseObserver';
import { ProviderError, type ProviderErrorReason } from '../../core/providers/providerError';
import { EngineError } from '../../core/lib/errors';
import { parseRetryAfter } from '../../core/providers/retryAfter';
import { bodyDecoder, forwardRequestHeaders, forwardResponseHeaders, upstreamRequest, type Upstream } from './upstream';

/** Why no response arrived. */
export class UpstreamFailure extends EngineError<'unreachable' | 'timeout' | 'cancelled'> {
	readonly kind = 'upstream';
	static is(e: unknown): e is UpstreamFailure {
		return e instanceof UpstreamFailure;
	}
}

export interface StartOptions {
	readonly upstream: Upstream;
	readonly client: IncomingMessage;
	/** The client's path without gateway prefixes, query included. */
	readonly path: string;
	readonly body: Buffer;
	/** Whether `body` differs from what the client sent (enforce-mode rewrite). */
	readonly rewritten: boolean;
	readonly key?: { readonly provider: GatewayProvider; readonly value: string };
	readonly timeoutMs: number;
	readonly signal: AbortSignal;
}

export interface Started {
	readonly res: IncomingMessage;
	/** Aborts the upstream request (the client went away, or the gateway gives up). */
	readonly abort: (reason?: Error) => void;
	/** ms from sending to the response headers. */
	readonly headersMs: number;
}

/**
 * Sends the request; resolves at the response's status line and headers. A keep-alive socket the
 * provider closed just as it was reused fails at once with ECONNRESET before anything was
 * processed: that one case is retried on a fresh connection, invisibly to the client.
 */
export function startUpstream(o: StartOptions): Promise<Started> {
	const t0 = performance.now();
	return new Promise((resolve, reject) => {
		if (o.signal.aborted) return reject(new UpstreamFailure('cancelled', 'the client closed the connection'));
		const headers = forwardRequestHeaders(o.client.headers, { upstream: o.upstream, ...(o.key && { key: o.key }), ...(o.rewritten && { contentLength: o.body.length }) });
		let settled = false;
		let req: ClientRequest;
		const fail = (f: UpstreamFailure) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			o.signal.removeEventListener('abort', onAbort);
			req.destroy();
			reject(f);
		};
		const timer = setTimeout(() => fail(new UpstreamFailure('timeout', `the provider did not answer within ${Math.round(o.timeoutMs / 1000)} s`)), o.timeoutMs);
		const onAbort = () => fail(new UpstreamFailure('cancelled', 'the client closed the connection'));
		o.signal.addEventListener('abort', onAbort, { once: true });
		const send = (retried: boolean) => {
			req = upstreamRequest(o.upstream, o.client.method ?? 'POST', o.path, headers);
			req.on('error', e => {
				const code = (e as NodeJS.ErrnoException).code;
				if (!settled && !retried && req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) return send(true);
				fail(new UpstreamFailure('unreachable', `the provider at ${o.upstream.url.host} could not be reached (${code ?? e.message})`));
			});
			req.on('response', res => {
				if (settled) {
					res.destroy();
					return;
				}
				settled = true;
				clearTimeout(timer);
				o.signal.removeEventListener('abort', onAbort);
				resolve({ res, abort: reason => req.destroy(reason), headersMs: performance.now() - t0 });
			});
			req.end(o.body);
		};
		send(false);
	});
}

/** Reads a (small) error body fully; a body larger than `limit` is cut there. */
export function readBody(res: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
	return new Promise(resolve => {
		const chunks: Buffer[] = [];
		let size = 0;
		res.on('data', (c: Buffer) => {
			if (size < limit) chunks.push(c);
			size += c.length;
		});
		res.on('end', () => resolve(Buffer.concat(chunks)));
		res.on('error', () => resolve(Buffer.concat(chunks)));
		res.on('aborted', () => resolve(Buffer.concat(chunks)));
	});
}

const reasonOfStatus = (status: number, code: string | undefined): ProviderErrorReason => {
	if (status === 401 || status === 403) return 'auth';
	if (status === 402 || code === 'insufficient_quota' || code === 'billing_error') return 'quota';
	if (status === 429) return 'rateLimit';
	if (status === 408) return 'timeout';
	if (status === 409 || status >= 500) return 'server';
	return 'badRequest';
};

/** An upstream error response, kept whole so it can be passed to the client as the provider sent it. */
export interface WireResponse {
	readonly status: number;
	readonly headers: OutgoingHttpHeaders;
	readonly body: Buffer;
}

/**
 * The policy's view of an upstream error response: a {@link ProviderError} with the reason, the
 * server's retry-after and `x-should-retry`. `message` must already be scrubbed of keys.
 */
export function providerErrorOf(provider: GatewayProvider, model: string, wire: WireResponse, message: string, code: string | undefined): ProviderError {
	const header = (name: string) => {
		const v = wire.headers[name];
		return Array.isArray(v) ? v[0] : v === undefined ? undefined : String(v);
	};
	const shouldRetry = header('x-should-retry');
	const retryAfterMs = parseRetryAfter(header, Date.now());
	return new ProviderError(reasonOfStatus(wire.status, code), message, {
		provider,
		model,
		status: wire.status,
		...(retryAfterMs !== undefined && { retryAfterMs }),
		...(shouldRetry === 'true' || shouldRetry === 'false' ? { retryable: shouldRetry === 'true' } : {}),
		...(code !== undefined && { providerCode: code }),
	});
}

export interface PipeOptions {
	readonly client: ServerResponse;
	/** Extra response headers (the run, the decision). */
	readonly headers: Readonly<Record<string, string>>;
	/** Absent for endpoints that are only forwarded (models, count_tokens). */
	readonly observer?: ResponseObserver;
	readonly timeoutMs: number;
	readonly signal: AbortSignal;
	/** Written to an event stream whose upstream failed after it started, instead of a silent cut. */
	readonly errorEvent: (kind: 'upstreamCut' | 'upstreamTimeout') => string;
}

export interface Piped {
	/** `complete`: the upstream body ended normally. */
	readonly end: 'complete' | 'cut' | 'timeout' | 'cancelled';
	readonly bytes: number;
	/** ms from the response headers to the first body byte (undefined: none came). */
	readonly firstByteMs?: number;
}

/**
 * Streams the response to the client and a decoded copy into the observer; resolves when both
 * sides are done. Never rejects.
 */
export function pipeResponse(started: Started, o: PipeOptions): Promise<Piped> {
	const { res: up } = started;
	const client = o.client;
	const t0 = performance.now();
	const headers = { ...forwardResponseHeaders(up.headers), ...o.headers };
	client.writeHead(up.statusCode ?? 502, up.statusMessage, headers);
	const decoder = bodyDecoder(up);
	// An error event can be appended only to an uncompressed stream.
	const stream = /text\/event-stream/i.test(String(up.headers['content-type'] ?? ''));
	const appendable = stream && decoder === undefined;
	if (stream) client.flushHeaders();
	const text = new TextDecoder();
	const observer = o.observer;
	const feed = (chunk: Buffer) => observer?.push(text.decode(chunk, { stream: true }));
	let decoded: Transform | undefined;
	let decodedDone: Promise<void> = Promise.resolve();
	if (observer && decoder !== undefined && decoder !== 'unsupported') {
		decoded = decoder;
		decoded.on('data', feed);
		decodedDone = new Promise(resolve => {
			decoded!.once('end', () => resolve());
			decoded!.once('error', () => resolve());
		});
	}
	return new Promise(resolve => {
		let bytes = 0;
		let firstByteMs: number | undefined;
		let done = false;
		let timer: ReturnType<typeof setTimeout> | undefined;
		const finish = (end: Piped['end']) => {
			if (done) return;
			done = true;
			if (timer) clearTimeout(timer);
			o.signal.removeEventListener('abort', onAbort);
			up.unpipe(client);
			if (decoded) decoded.end();
			void decodedDone.then(() => {
				observer?.push(text.decode());
				resolve({ end, bytes, ...(firstByteMs !== undefined && { firstByteMs }) });
			});
		};
		const arm = () => {
			if (timer) clearTimeout(timer);
			timer = setTimeout(() => {
				if (appendable && !client.destroyed) client.end(o.errorEvent('upstreamTimeout'));
				else client.destroy();
				started.abort();
				finish('timeout');
			}, o.timeoutMs);
		};
		const onAbort = () => {
			started.abort();
			finish('cancelled');
		};
		o.signal.addEventListener('abort', onAbort, { once: true });
		arm();
		up.pipe(client, { end: false });
		up.on('data', (chunk: Buffer) => {
			// The client has the chunk (pipe wrote it first); now the copy for accounting.
			if (firstByteMs === undefined) firstByteMs = performance.now() - t0;
			bytes += chunk.length;
			arm();
			if (decoded) decoded.write(chunk);
			else if (observer && decoder === undefined) feed(chunk);
		});
		up.on('end', () => {
			client.end();
			finish('complete');
		});
		const cut = () => {
			if (done) return;
			if (o.signal.aborted) return finish('cancelled');
			// A stream that started gets an error event in its own protocol; a JSON body can only be cut.
			if (appendable && !client.destroyed) client.end(o.errorEvent('upstreamCut'));
			else client.destroy();
			finish('cut');
		};
		up.on('aborted', cut);
		up.on('error', cut);
		up.on('close', () => {
			if (!up.complete) cut();
		});
	});
}
