/**
 * The gateway's side of HTTP towards the providers: where a request goes, which headers pass
 * (everything but hop-by-hop headers and the gateway's own), and a decoder for a COPY of a
 * compressed response body (the client always gets the bytes as they came).
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import * as zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import type { GatewayProvider } from '../../core/gateway/gatewayRoutes';

/** The official endpoints. */
export const defaultUpstreams: Readonly<Record<GatewayProvider, string>> = { anthropic: 'https://api.anthropic.com', openai: 'https://api.openai.com/v1' };

export interface Upstream {
	readonly url: URL;
	/** Prepended to the client's `/v1/…` path: the base's path without a trailing `/v1`. */
	readonly basePath: string;
	readonly agent: HttpAgent;
	readonly request: typeof httpRequest;
}

/**
 * An upstream from a base URL in either SDK convention (`https://api.openai.com/v1` or
 * `https://api.anthropic.com`): clients send `/v1/…`, so a trailing `/v1` is not doubled.
 * Throws a TypeError naming the value when it is not an http(s) URL.
 */
export function upstreamOf(base: string): Upstream {
	let url: URL;
	try {
		url = new URL(base);
	} catch {
		throw new TypeError(`${JSON.stringify(base)} is not a URL (expected http://host[:port][/path] or https://…)`);
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${JSON.stringify(base)} is not an http or https URL`);
	const basePath = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
	// Keep-alive: a TLS handshake per call would add tens of milliseconds to every step of an agent.
	const agent = url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: Infinity }) : new HttpAgent({ keepAlive: true, maxSockets: Infinity });
	return { url, basePath, agent, request: url.protocol === 'https:' ? (httpsRequest as unknown as typeof httpRequest) : httpRequest };
}

/** RFC 9110 §7.6.1 connection-specific headers, plus `host` (set for the upstream) and the gateway's own. */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

/** Whether the header is the gateway's own (never forwarded upstream). */
function isGatewayHeader(name: string): boolean {
	return name.startsWith('x-agent-cost-');
}

/** Encodings this Node can decode for the usage copy (zstd arrived in Node 22.15). */
const decodable = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'identity', ...(typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function' ? ['zstd'] : [])]);

/**
 * `accept-encoding` without the codings the gateway could not decode: the response must stay
 * readable for accounting. Only the header changes; the request body is untouched.
 */
function decodableAcceptEncoding(value: string): string | undefined {
	const kept = value
		.split(',')
		.map(s => s.trim())
		.filter(s => s !== '' && decodable.has(s.split(';')[0].trim().toLowerCase()));
	return kept.length ? kept.join(', ') : undefined;
}

export interface ForwardHeaderOptions {
	readonly upstream: Upstream;
	/** Replaces the client's key (injection of a stored key for a placeholder). */
	readonly key?: { readonly provider: GatewayProvider; readonly value: string };
	/** Set when the body was rewritten (enforce mode). */
	readonly contentLength?: number;
}

export function forwardRequestHeaders(incoming: IncomingHttpHeaders, o: ForwardHeaderOptions): OutgoingHttpHeaders {
	const out: OutgoingHttpHeaders = {};
	const listedInConnection = new Set(
		String(incoming.connection ?? '')
			.split(',')
			.map(s => s.trim().toLowerCase()),
	);
	for (const [name, value] of Object.entries(incoming)) {
		if (value === undefined || hopByHop.has(name) || listedInConnection.has(name) || isGatewayHeader(name)) continue;
		out[name] = value;
	}
	out.host = o.upstream.url.host;
	const ae = incoming['accept-encoding'];
	if (typeof ae === 'string') {
		const kept = decodableAcceptEncoding(ae);
		if (kept === undefined) delete out['accept-encoding'];
		else out['accept-encoding'] = kept;
	}
	if (o.contentLength !== undefined) out['content-length'] = String(o.contentLength);
	if (o.key) {
		if (o.key.provider === 'anthropic') {
			out['x-api-key'] = o.key.value;
			delete out.authorization;
		} else out.authorization = `Bearer ${o.key.value}`;
	}
	return out;
}

/** The upstream's response headers for the client, minus hop-by-hop ones. */
export function forwardResponseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
	const out: OutgoingHttpHeaders = {};
	for (const [name, value] of Object.entries(incoming)) {
		if (value === undefined || hopByHop.has(name)) continue;
		out[name] = value;
	}
	return out;
}

/** Starts the upstream request for a client path (`/v1/…?…`). */
export function upstreamRequest(upstream: Upstream, method: string, path: string, headers: OutgoingHttpHeaders): ClientRequest {
	return upstream.request({
		protocol: upstream.url.protocol,
		hostname: upstream.url.hostname,
		port: upstream.url.port || undefined,
		method,
		path: upstream.basePath + path,
		headers,
		agent: upstream.agent,
	});
}

/** A decompressor for a copy of the body, or undefined for identity (or an encoding it cannot decode). */
export function bodyDecoder(res: IncomingMessage): Transform | undefined | 'unsupported' {
	const enc = String(res.headers['content-encoding'] ?? '')
		.trim()
		.toLowerCase();
	if (enc === '' || enc === 'identity') return undefined;
	// Sync-flush on finish: a cut stream still yields what arrived instead of an "unexpected end" error.
	const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
	if (enc === 'gzip' || enc === 'x-gzip') return zlib.createGunzip(flush);
	if (enc === 'deflate') return zlib.createInflate(flush);
	if (enc === 'br') return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
	const zstd = (zlib as { createZstdDecompress?: () => Transform }).createZstdDecompress;
	if (enc === 'zstd' && zstd) return zstd();
	return 'unsupported';
}
