import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { AgentMetrics } from '../../../src/core/metrics/agentMetrics';
import { defaultMetricsPort, MetricsServerError, startMetricsServer, type MetricsServer } from '../../../src/node/metricsServer';
import { parsePrometheusText, sampleValue } from '../../support/prometheusText';

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
	return new Promise((resolve, reject) => {
		const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, res => {
			let body = '';
			res.setEncoding('utf8');
			res.on('data', d => (body += d));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
		});
		req.on('error', reject);
		req.end();
	});
}

/** A non-loopback IPv4 address of this machine, if it has one. */
function externalAddress(): string | undefined {
	for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
	return undefined;
}

describe('metrics server (opt-in Prometheus endpoint)', () => {
	const metrics = new AgentMetrics();
	let server: MetricsServer;
	before(async () => {
		server = await startMetricsServer({ port: 0, render: () => metrics.render() });
	});
	after(() => server.close());

	it('serves the live registry at /metrics in the Prometheus text format', async () => {
		metrics.recordCall({ model: 'gpt-4o-mini', usage: { input: 10, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 2, reasoning: 0 }, costUsd: 0.25, status: 'ok', durationMs: 300 });
		const res = await get(server.port, '/metrics');
		assert.equal(res.status, 200);
		assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
		const parsed = parsePrometheusText(res.body);
		assert.equal(sampleValue(parsed, 'agent_cost_usd_total', { model: 'gpt-4o-mini' }), 0.25);
		metrics.recordCall({ model: 'gpt-4o-mini', costUsd: 0.5, status: 'ok', durationMs: 1 });
		const again = parsePrometheusText((await get(server.port, '/metrics')).body);
		assert.equal(sampleValue(again, 'agent_cost_usd_total', { model: 'gpt-4o-mini' }), 0.75, 'rendered per scrape');
	});

	it('binds 127.0.0.1 only: the URL says so and another interface refuses the connection', async function () {
		assert.equal(server.url, `http://127.0.0.1:${server.port}/metrics`);
		const ext = externalAddress();
		if (!ext) this.skip();
		const outcome = await new Promise<string>(resolve => {
			const s = connect({ host: ext, port: server.port });
			s.once('connect', () => {
				s.destroy();
				resolve('connected');
			});
			s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
		});
		assert.equal(outcome, 'ECONNREFUSED');
	});

	it('refuses non-loopback Host headers (DNS rebinding), other methods and other paths', async () => {
		assert.equal((await get(server.port, '/metrics', { host: 'evil.example.com' })).status, 403);
		assert.equal((await get(server.port, '/metrics', { host: `localhost:${server.port}` })).status, 200);
		const post = await get(server.port, '/metrics', {}, 'POST');
		assert.equal(post.status, 405);
		assert.equal(post.headers.allow, 'GET, HEAD');
		assert.equal((await get(server.port, '/secrets')).status, 404);
		const head = await get(server.port, '/metrics', {}, 'HEAD');
		assert.equal(head.status, 200);
		assert.equal(head.body, '');
	});

	it('a render failure is a 500 with a message, and the server keeps serving', async () => {
		let fail = true;
		const s = await startMetricsServer({
			port: 0,
			render: () =>
				fail
					? (() => {
							throw new Error('boom');
						})()
					: '# TYPE x counter\nx_total 1\n',
		});
		try {
			const bad = await get(s.port, '/metrics');
			assert.equal(bad.status, 500);
			assert.match(bad.body, /boom/);
			fail = false;
			assert.equal((await get(s.port, '/metrics')).status, 200);
		} finally {
			await s.close();
		}
	});

	it('a port in use is a typed portInUse error naming the setting', async () => {
		await assert.rejects(startMetricsServer({ port: server.port, render: () => '' }), (e: unknown) => {
			assert.ok(MetricsServerError.is(e, 'portInUse'));
			assert.match((e as Error).message, new RegExp(`Port ${server.port} .*agentCost\\.metrics\\.port`));
			return true;
		});
	});

	it('defaults to the conventional exporter port 9464', () => {
		assert.equal(defaultMetricsPort, 9464);
	});
});

describe('metrics server with a bearer token', () => {
	it('answers only scrapes that send the token (401 otherwise); only the digest of the token is given to it', async () => {
		const token = 'metrics-token-7f3k2m9q1w8e5r4t';
		const server = await startMetricsServer({ port: 0, render: () => '# empty\n', tokenSha256: createHash('sha256').update(token).digest('hex') });
		try {
			assert.equal((await get(server.port, '/metrics')).status, 401);
			assert.equal((await get(server.port, '/metrics')).headers['www-authenticate'], 'Bearer realm="agent-cost-lens"');
			assert.equal((await get(server.port, '/metrics', { authorization: `Bearer ${token}x` })).status, 401);
			assert.equal((await get(server.port, '/metrics', { authorization: `Basic ${token}` })).status, 401);
			const ok = await get(server.port, '/metrics', { authorization: `Bearer ${token}` });
			assert.equal(ok.status, 200);
			assert.equal(ok.body, '# empty\n');
		} finally {
			await server.close();
		}
	});
});
