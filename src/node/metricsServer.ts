/**
 * The opt-in Prometheus endpoint (`agentCost.metrics.enabled`, `agentCost.metrics.port`): GET
 * /metrics on 127.0.0.1 ONLY — spend data never leaves the machine unless the user scrapes it.
 * Requests whose Host header is not a loopback name are refused, so a web page cannot read the
 * numbers through DNS rebinding.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EngineError } from '../core/lib/errors';
import { prometheusContentType } from '../core/metrics/registry';

export const defaultMetricsPort = 9464;
const host = '127.0.0.1';

export class MetricsServerError extends EngineError<'portInUse' | 'listenFailed'> {
	readonly kind = 'metricsServer';
	override readonly name = 'MetricsServerError';
	static is(e: unknown, reason?: MetricsServerError['reason']): e is MetricsServerError {
		return e instanceof MetricsServerError && (reason === undefined || e.reason === reason);
	}
}

export interface MetricsServerOptions {
	/** Default 9464 (the port Prometheus exporters conventionally use); 0 picks a free one. */
	readonly port?: number;
	/** The exposition text, rendered per scrape (e.g. `() => metrics.render()`). */
	readonly render: () => string;
	/**
	 * SHA-256 (hex) of the bearer token every scrape must send (`Authorization: Bearer <token>`);
	 * other requests get 401. Absent: loopback and the Host check are the only protection.
	 */
	readonly tokenSha256?: string;
}

/** Whether the request carries the bearer token whose digest is `expected` (compared in constant time). */
function hasToken(header: string | undefined, expected: string): boolean {
	const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
	const got = createHash('sha256')
		.update(m?.[1] ?? '', 'utf8')
		.digest();
	const want = Buffer.from(expected, 'hex');
	return m !== null && want.length === got.length && timingSafeEqual(got, want);
}

export interface MetricsServer {
	/** `http://127.0.0.1:<port>/metrics` */
	readonly url: string;
	readonly port: number;
	close(): Promise<void>;
}

function loopbackHost(hostHeader: string | undefined, port: number): boolean {
	if (!hostHeader) return true; // HTTP/1.0 clients send none; the socket is loopback-only anyway
	const allowed = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, '127.0.0.1', 'localhost'];
	return allowed.includes(hostHeader.toLowerCase());
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
	const requested = options.port ?? defaultMetricsPort;
	let port = requested;
	const server = createServer((req: IncomingMessage, res: ServerResponse) => {
		const path = (req.url ?? '/').split('?')[0];
		if (!loopbackHost(req.headers.host, port)) {
			res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('forbidden host\n');
			return;
		}
		if (options.tokenSha256 !== undefined && !hasToken(req.headers.authorization, options.tokenSha256)) {
			res
				.writeHead(401, { 'www-authenticate': 'Bearer realm="agent-cost-lens"', 'content-type': 'text/plain; charset=utf-8' })
				.end('a bearer token is required (the Prometheus metrics token set with "Agent Cost: Set API Key…")\n');
			return;
		}
		if (req.method !== 'GET' && req.method !== 'HEAD') {
			res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
			return;
		}
		if (path === '/') {
			res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Agent Cost Lens metrics: /metrics\n');
			return;
		}
		if (path !== '/metrics') {
			res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found; metrics are at /metrics\n');
			return;
		}
		let body: string;
		try {
			body = options.render();
		} catch (e) {
			res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics could not be rendered: ${e instanceof Error ? e.message : String(e)}\n`);
			return;
		}
		res.writeHead(200, { 'content-type': prometheusContentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
		res.end(req.method === 'HEAD' ? undefined : body);
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', (e: NodeJS.ErrnoException) => {
			if (e.code === 'EADDRINUSE') {
				reject(new MetricsServerError('portInUse', `Port ${requested} on ${host} is already in use; choose another port with agentCost.metrics.port.`));
			} else {
				reject(new MetricsServerError('listenFailed', `The metrics endpoint could not listen on ${host}:${requested} (${e.code ?? e.message}).`));
			}
		});
		server.listen(requested, host, () => resolve());
	});
	port = (server.address() as AddressInfo).port;
	return {
		url: `http://${host}:${port}/metrics`,
		port,
		close: () =>
			new Promise<void>(resolve => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
