/**
 * The agent gateway: an HTTP server on 127.0.0.1 that speaks the providers' own wire protocols
 * (Anthropic Messages, OpenAI Chat Completions and Responses, `/v1/models`, count_tokens), so an
 * agent — Claude Code, Codex, the official SDKs — only needs its base URL pointed here.
 *
 * - observe (default): bodies pass byte for byte both ways; budgets still hold (the worst case is
 *   reserved before forwarding); usage comes from a parsed copy of the response.
 * - enforce: the one policy pipeline decides each call (`enforcePolicy.ts`); unknown paths are refused.
 *
 * Every billed call is grouped into a run and recorded (`callExchange.ts`). A small control API
 * under `/__agent-cost/` (token in `x-agent-cost-token`) serves the status, a live event stream,
 * Prometheus metrics, workspace registration, stored keys, settings and shutdown.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BudgetGuard } from '../../core/budget/budgetGuard';
import type { BudgetStore } from '../../core/ports/budgetStore';
import type { Summarizer } from '../../core/ports/summarizer';
import type { EngineConfig } from '../../core/config/defaults';
import { parseEngineConfig, type ConfigProblem } from '../../core/config/parseEngineConfig';
import { memoizingCounter } from '../../core/engine/memoizingCounter';
import { systemClock, systemRandom, type Clock, type Random } from '../../core/ports/clock';
import { type PricingPort } from '../../core/ports/pricing';
import { type TokenCounter } from '../../core/ports/tokenCounter';
import { parseCallRequest } from '../../core/gateway/callRequest';
import { classifyTarget, gatewayKeyPlaceholder, parseGatewayPath, type GatewayProvider, type GatewayTarget } from '../../core/gateway/gatewayRoutes';
import type { GatewayMode, GatewaySnapshot } from '../../core/gateway/gatewaySnapshot';
import { RecordedInputs } from '../../core/gateway/recordedInput';
import { RunGrouper } from '../../core/gateway/runGrouping';
import { wireError, type GatewayErrorKind } from '../../core/gateway/wireErrors';
import { describeError } from '../../core/lib/errors';
import { AgentMetrics } from '../../core/metrics/agentMetrics';
import type { ToolDefinitionLike } from '../../core/tokens/types';
import { handleCall, headerLookup, type CallContext } from './callExchange';
import { EnforcePolicy } from './enforcePolicy';
import { GatewayRuns, runBudgetOf } from './gatewayRuns';
import { gatewaySummarizer } from './gatewaySummarizer';
import { defaultUpstreams, upstreamOf, type Upstream } from './upstream';
import { pipeResponse, startUpstream, UpstreamFailure } from './upstreamExchange';

const controlPrefix = '/__agent-cost/';
const controlTokenHeader = 'x-agent-cost-token';

export interface GatewayOptions {
	readonly mode: GatewayMode;
	/** @default '127.0.0.1' */
	readonly host?: string;
	/** 0 (default) picks a free port. */
	readonly port?: number;
	readonly upstreams?: Partial<Record<GatewayProvider, string>>;
	/** Budgets, policies and call defaults (`agentCost.*` settings parsed). */
	readonly config: EngineConfig;
	readonly budgetStore: BudgetStore;
	readonly pricing: PricingPort;
	readonly counter: TokenCounter;
	readonly clock?: Clock;
	readonly random?: Random;
	/** Where runs are recorded unless a `/w/<key>/` prefix names a registered workspace; undefined: not recorded. */
	readonly recordDir?: string;
	/** The control API's token. @default a random one */
	readonly controlToken?: string;
	/** Stored keys injected for the placeholder key (see {@link gatewayKeyPlaceholder}). */
	readonly keys?: Partial<Record<GatewayProvider, string>>;
	/** A gap of inactivity that ends a run (when the agent names none). @default 10 minutes */
	readonly runIdleMs?: number;
	/** How long an unsettled reservation lives (a crashed gateway's reservations then count as spent). @default 15 minutes */
	readonly reservationTtlMs?: number;
	/** Inactivity timeout towards the provider. @default 10 minutes (a non-streamed answer may take that long) */
	readonly upstreamTimeoutMs?: number;
	/** @default 64 MiB */
	readonly maxBodyBytes?: number;
	/** Enforce mode's history summaries. @default a live summary call to the upstream ({@link gatewaySummarizer}) */
	readonly summarizer?: Summarizer;
	/** Enforce mode's retry waits (tests pass a fast one). */
	readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
	/** Writer name in recording headers. @default 'agent-cost gateway' */
	readonly writer?: string;
	readonly version?: string;
	readonly log?: (line: string) => void;
}

export interface Gateway {
	readonly url: string;
	readonly host: string;
	readonly port: number;
	readonly mode: GatewayMode;
	readonly controlToken: string;
	readonly metrics: AgentMetrics;
	snapshot(): GatewaySnapshot;
	/** Called after every change of a run (throttle if you render). */
	onChange(listener: () => void): () => void;
	/** The `/w/<key>/` prefix of a workspace's recordings folder. */
	registerWorkspace(recordDir: string): string;
	/** Replaces the stored keys (undefined/empty: none for that provider). */
	setKeys(keys: Partial<Record<GatewayProvider, string | undefined>>): void;
	/** New settings from `agentCost.*` values; returns what was wrong with them. */
	updateSettings(raw: unknown): readonly ConfigProblem[];
	/** Calls (billed or forwarded) in progress. */
	readonly inFlight: number;
	/** Stops accepting, waits for calls in flight (at most `graceMs`), flushes recordings. */
	close(graceMs?: number): Promise<void>;
	/** Resolves once {@link close} ran (e.g. after `POST /__agent-cost/shutdown`). */
	readonly closed: Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
	res.end(text);
}

function sendWire(res: ServerResponse, provider: GatewayProvider, kind: GatewayErrorKind, message: string): void {
	const e = wireError(provider, kind, message);
	res.writeHead(e.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(e.body) });
	res.end(e.body);
}

function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer | 'tooLarge' | 'aborted'> {
	return new Promise(resolve => {
		const chunks: Buffer[] = [];
		let size = 0;
		let over = false;
		req.on('data', (c: Buffer) => {
			size += c.length;
			if (size > limit) over = true;
			else chunks.push(c);
		});
		req.on('end', () => resolve(over ? 'tooLarge' : Buffer.concat(chunks)));
		req.on('error', () => resolve('aborted'));
		req.on('aborted', () => resolve('aborted'));
	});
}

function sameToken(a: string | undefined, b: string): boolean {
	if (a === undefined) return false;
	const x = createHash('sha256').update(a).digest();
	const y = createHash('sha256').update(b).digest();
	return timingSafeEqual(x, y);
}

/** The key a client sent: Anthropic's `x-api-key` or a Bearer token. */
function clientKeyOf(req: IncomingMessage): string | undefined {
	const x = req.headers['x-api-key'];
	if (typeof x === 'string' && x !== '') return x;
	const auth = req.headers.authorization;
	const m = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth) : null;
	return m?.[1]?.trim() || undefined;
}

/** A workspace's `/w/<key>/` prefix: stable for a folder, so an agent configured once keeps working. */
function workspaceKeyOf(recordDir: string): string {
	return createHash('sha256').update(recordDir).digest('hex').slice(0, 10);
}

/**
 * Tool definitions are the same big array on every call of an agent: one object per distinct
 * JSON text lets the memoizing counter count them once (it memoizes by object).
 */
class ToolInterner {
	private readonly byText = new Map<string, readonly ToolDefinitionLike[]>();
	intern(tools: readonly ToolDefinitionLike[] | undefined): readonly ToolDefinitionLike[] | undefined {
		if (!tools?.length) return tools;
		const key = JSON.stringify(tools);
		const hit = this.byText.get(key);
		if (hit) return hit;
		if (this.byText.size >= 64) this.byText.delete(this.byText.keys().next().value as string);
		this.byText.set(key, tools);
		return tools;
	}
}

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
	const host = o.host ?? '127.0.0.1';
	const clock = o.clock ?? systemClock;
	const random = o.random ?? systemRandom;
	const log = o.log ?? (() => undefined);
	const token = o.controlToken ?? randomBytes(24).toString('base64url');
	const upstreams: Record<GatewayProvider, Upstream> = {
		anthropic: upstreamOf(o.upstreams?.anthropic || defaultUpstreams.anthropic),
		openai: upstreamOf(o.upstreams?.openai || defaultUpstreams.openai),
	};
	let config = o.config;
	const keys: Partial<Record<GatewayProvider, string>> = { ...o.keys };
	const counter = memoizingCounter(o.counter);
	const guard = new BudgetGuard({ store: o.budgetStore, pricing: o.pricing, clock, random, ...(o.reservationTtlMs !== undefined && { reservationTtlMs: o.reservationTtlMs }) }, config.budget);
	const enforce =
		o.mode === 'enforce'
			? new EnforcePolicy({
					config,
					counter,
					pricing: o.pricing,
					clock,
					random,
					budgetStore: o.budgetStore,
					summarizer:
						o.summarizer ??
						gatewaySummarizer({
							upstreams: { anthropic: o.upstreams?.anthropic || defaultUpstreams.anthropic, openai: o.upstreams?.openai || defaultUpstreams.openai },
							storedKey: p => keys[p],
							counter: o.counter,
							timeoutMs: config.defaults.toolCallTimeoutSeconds * 1000,
						}),
					...(o.sleep && { sleep: o.sleep }),
				})
			: undefined;
	const workspaces = new Map<string, string>();
	const runs = new GatewayRuns(() => new RecordedInputs(), o.writer ?? 'agent-cost gateway');
	const metrics = new AgentMetrics();
	const tools = new ToolInterner();
	let seq = 0;
	const startedAt = new Date(clock.now()).toISOString();
	const ctx: CallContext = {
		mode: o.mode,
		config: () => config,
		counter,
		clock,
		guard,
		...(enforce && { enforce }),
		runs,
		grouper: new RunGrouper(clock, o.runIdleMs ?? 10 * 60_000),
		metrics,
		upstreamTimeoutMs: o.upstreamTimeoutMs ?? 10 * 60_000,
		log,
		newId: () => `gw-${Date.now().toString(36)}-${(++seq).toString(36)}`,
		secrets: () => [keys.anthropic, keys.openai],
		budgetChanged: runId => {
			dirtyBudgets.add(runId);
			budgetTimer ??= setTimeout(() => void refreshBudgets(), 100);
		},
	};
	// Budgets for the status are re-read in batches after calls, never in a call's path.
	const dirtyBudgets = new Set<string>();
	let budgetTimer: ReturnType<typeof setTimeout> | undefined;
	const refreshBudgets = async () => {
		budgetTimer = undefined;
		const ids = [...dirtyBudgets];
		dirtyBudgets.clear();
		await Promise.all(
			ids.map(async id => {
				try {
					runs.setBudget(id, runBudgetOf(await guard.status(id), config.budget.warnThreshold));
				} catch (e) {
					log(`gateway: the budget of run ${id} could not be read: ${describeError(e)}`);
				}
			}),
		);
	};
	let forwarding = 0;
	let closing = false;
	let closedResolve!: () => void;
	const closed = new Promise<void>(r => (closedResolve = r));
	const eventClients = new Set<ServerResponse>();

	const server: Server = createServer((req, res) => {
		handle(req, res).catch(e => {
			log(`gateway: request failed: ${describeError(e)}`);
			if (!res.headersSent) sendJson(res, 500, { error: { message: 'Agent Cost gateway: internal error' } });
			else res.destroy();
		});
	});
	// Streams can be long and silent (thinking): no server-side request or idle timeouts.
	server.requestTimeout = 0;
	server.headersTimeout = 60_000;
	server.keepAliveTimeout = 65_000;

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const parsed = parseGatewayPath(req.url ?? '/');
		const header = headerLookup(req);
		if (!parsed.ok) return sendWire(res, classifyTarget('GET', '/', header).provider, 'invalidRequest', parsed.message);
		const { path } = parsed;
		if (path.pathname.startsWith(controlPrefix)) return control(req, res, path.pathname.slice(controlPrefix.length));
		const target = classifyTarget(req.method ?? 'GET', path.pathname, header);
		if (closing) return sendWire(res, target.provider, 'shuttingDown', 'the gateway is shutting down; retry in a moment');
		let recordDir = o.recordDir;
		if (path.workspaceKey !== undefined) {
			recordDir = workspaces.get(path.workspaceKey);
			if (recordDir === undefined) return sendWire(res, target.provider, 'notFound', `no workspace is registered as /w/${path.workspaceKey}/ (copy the agent environment again from the editor)`);
		}
		if (o.mode === 'enforce' && target.endpoint === 'other') {
			return sendWire(
				res,
				target.provider,
				'notFound',
				`${req.method} ${path.pathname} is not an endpoint the gateway can account for, and enforce mode forwards only those (Messages, Chat Completions, Responses, count_tokens, models)`,
			);
		}
		const body = await readRequestBody(req, o.maxBodyBytes ?? 64 * 1024 * 1024);
		if (body === 'aborted') return;
		if (body === 'tooLarge') return sendWire(res, target.provider, 'tooLarge', `the request body is over ${Math.round((o.maxBodyBytes ?? 64 * 1024 * 1024) / 1048576)} MiB`);
		const clientKey = clientKeyOf(req);
		let key: { provider: GatewayProvider; value: string } | undefined;
		if (clientKey === gatewayKeyPlaceholder) {
			const stored = keys[target.provider];
			if (!stored)
				return sendWire(
					res,
					target.provider,
					'auth',
					`the agent sent the placeholder key, but the gateway holds no ${target.provider === 'anthropic' ? 'Anthropic' : 'OpenAI'} key to put in its place: store one with "Agent Cost: Set API Key…" (with agentCost.gateway.injectKeys on), or give the agent its own key`,
				);
			key = { provider: target.provider, value: stored };
		}
		const ac = new AbortController();
		res.on('close', () => {
			if (!res.writableFinished) ac.abort();
		});
		const upstream = upstreams[target.provider];
		if (target.protocol) {
			const call = parseCallRequest(target.protocol, body.toString('utf8'));
			if (call.ok) {
				const request = { ...call.request, ...(call.request.tools && { tools: tools.intern(call.request.tools) }) };
				return handleCall(ctx, {
					req,
					res,
					path,
					protocol: target.protocol,
					provider: target.provider,
					upstream,
					body,
					request,
					workspace: path.workspaceKey ?? '',
					...(recordDir !== undefined && { recordDir }),
					...(key && { key }),
					...(clientKey !== undefined && { clientKey }),
					signal: ac.signal,
				});
			}
			// Not a request the gateway can account for: the provider will refuse it (no cost), so
			// observe mode lets it say why in its own words; enforce mode refuses it here.
			if (o.mode === 'enforce') return sendWire(res, target.provider, 'invalidRequest', call.message);
		}
		return forward(req, res, target, path.upstreamPath, body, key, ac.signal);
	}

	/** Endpoints that cost nothing (models, count_tokens) and, in observe mode, unknown ones: passed through as they are. */
	async function forward(
		req: IncomingMessage,
		res: ServerResponse,
		target: GatewayTarget,
		upstreamPath: string,
		body: Buffer,
		key: { provider: GatewayProvider; value: string } | undefined,
		signal: AbortSignal,
	): Promise<void> {
		forwarding++;
		try {
			const started = await startUpstream({
				upstream: upstreams[target.provider],
				client: req,
				path: upstreamPath,
				body,
				rewritten: false,
				...(key && { key }),
				timeoutMs: ctx.upstreamTimeoutMs,
				signal,
			});
			await pipeResponse(started, { client: res, headers: {}, timeoutMs: ctx.upstreamTimeoutMs, signal, errorEvent: () => '' });
		} catch (e) {
			if (!UpstreamFailure.is(e)) throw e;
			if (e.reason !== 'cancelled') sendWire(res, target.provider, e.reason === 'timeout' ? 'upstreamTimeout' : 'upstreamUnreachable', e.message);
		} finally {
			forwarding--;
		}
	}

	function snapshot(): GatewaySnapshot {
		return runs.snapshot({ url: api.url, mode: o.mode, pid: process.pid, startedAt, version: o.version ?? 'unknown' });
	}

	let pushTimer: ReturnType<typeof setTimeout> | undefined;
	const push = () => {
		if (pushTimer || eventClients.size === 0) return;
		// At most 5 snapshots a second: a busy agent must not flood every window.
		pushTimer = setTimeout(() => {
			pushTimer = undefined;
			const data = `data: ${JSON.stringify(snapshot())}\n\n`;
			for (const c of eventClients) c.write(data);
		}, 200);
	};
	runs.onChange(push);

	async function control(req: IncomingMessage, res: ServerResponse, route: string): Promise<void> {
		const sent = req.headers[controlTokenHeader];
		if (!sameToken(typeof sent === 'string' ? sent : undefined, token))
			return sendJson(res, 401, { error: { message: `Agent Cost gateway: the control API needs the token from the gateway's state file in the ${controlTokenHeader} header` } });
		const method = req.method ?? 'GET';
		const readJson = async (): Promise<unknown> => {
			const b = await readRequestBody(req, 1024 * 1024);
			if (typeof b === 'string') return undefined;
			try {
				return JSON.parse(b.toString('utf8'));
			} catch {
				return undefined;
			}
		};
		if (method === 'GET' && route === 'health') return sendJson(res, 200, { ok: true, pid: process.pid, url: api.url, mode: o.mode, version: o.version ?? 'unknown', startedAt });
		if (method === 'GET' && route === 'status') return sendJson(res, 200, snapshot());
		if (method === 'GET' && route === 'metrics') {
			const text = metrics.render();
			res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(text) });
			return void res.end(text);
		}
		if (method === 'GET' && route === 'events') {
			res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
			res.write(`data: ${JSON.stringify(snapshot())}\n\n`);
			eventClients.add(res);
			res.on('close', () => eventClients.delete(res));
			return;
		}
		if (method === 'POST' && route === 'workspaces') {
			const dir = (await readJson()) as { recordDir?: unknown } | undefined;
			if (typeof dir?.recordDir !== 'string' || dir.recordDir === '') return sendJson(res, 400, { error: { message: 'expected {"recordDir": "/absolute/folder"}' } });
			return sendJson(res, 200, { key: api.registerWorkspace(dir.recordDir) });
		}
		if (method === 'PUT' && route === 'keys') {
			const k = (await readJson()) as Record<string, unknown> | undefined;
			if (!k || typeof k !== 'object') return sendJson(res, 400, { error: { message: 'expected {"anthropic"?: string|null, "openai"?: string|null}' } });
			api.setKeys({ anthropic: typeof k.anthropic === 'string' ? k.anthropic : undefined, openai: typeof k.openai === 'string' ? k.openai : undefined });
			// Which providers have a key — never the keys.
			return sendJson(res, 200, { anthropic: keys.anthropic !== undefined, openai: keys.openai !== undefined });
		}
		if (method === 'PUT' && route === 'settings') {
			const raw = await readJson();
			return sendJson(res, 200, { problems: api.updateSettings(raw) });
		}
		if (method === 'POST' && route === 'shutdown') {
			sendJson(res, 202, { stopping: true, inFlight: api.inFlight });
			void api.close();
			return;
		}
		return sendJson(res, 404, { error: { message: `Agent Cost gateway: no control route ${method} ${controlPrefix}${route}` } });
	}

	warmUp(o.counter);
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(o.port ?? 0, host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const port = (server.address() as AddressInfo).port;
	const shownHost = host.includes(':') ? `[${host}]` : host;

	const api: Gateway = {
		url: `http://${shownHost}:${port}`,
		host,
		port,
		mode: o.mode,
		controlToken: token,
		metrics,
		snapshot,
		onChange: listener => runs.onChange(listener),
		registerWorkspace(recordDir) {
			const key = workspaceKeyOf(recordDir);
			workspaces.set(key, recordDir);
			return key;
		},
		setKeys(next) {
			for (const p of ['anthropic', 'openai'] as const) {
				if (!(p in next)) continue;
				const v = next[p];
				if (typeof v === 'string' && v.trim() !== '') keys[p] = v.trim();
				else delete keys[p];
			}
		},
		updateSettings(raw) {
			const parsed = parseEngineConfig(raw);
			config = parsed.config;
			guard.updateSettings(config.budget);
			enforce?.updateConfig(config);
			ctx.grouper.idleMs = config.gateway.runIdleMinutes * 60_000;
			push();
			return parsed.problems;
		},
		get inFlight() {
			return runs.inFlight + forwarding;
		},
		async close(graceMs = 30_000) {
			if (closing) return closed;
			closing = true;
			server.close();
			const deadline = Date.now() + graceMs;
			while (api.inFlight > 0 && Date.now() < deadline) {
				server.closeIdleConnections();
				await new Promise(r => setTimeout(r, 50));
			}
			await runs.flush();
			if (budgetTimer) clearTimeout(budgetTimer);
			if (pushTimer) clearTimeout(pushTimer);
			for (const c of eventClients) c.end();
			server.closeAllConnections();
			for (const u of Object.values(upstreams)) u.agent.destroy();
			closedResolve();
			return closed;
		},
		closed,
	};
	if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') log(`gateway: WARNING listening on ${host}, not only on this machine's loopback: anyone who can reach it can spend through it`);
	return api;
}

/**
 * The tokenizer's rank tables load on first use, and its code runs slowly until the JIT has seen
 * it: counting an agent's first 50 KB prompt cold takes 300+ ms, warm 10 ms. Paid at start, not by
 * the first call.
 */
function warmUp(counter: TokenCounter): void {
	const text = 'The quick brown fox (id 12345) jumps: function f(x) { return x * 2; } // naïve café\n'.repeat(250);
	const tools = [{ name: 'read_file', description: text.slice(0, 2000), parameters: { type: 'object', properties: { path: { type: 'string' } } } }];
	try {
		for (const model of ['claude-sonnet-4-5', 'gpt-4o'])
			for (let i = 0; i < 3; i++)
				counter.countChat(
					model,
					[
						{ role: 'system', content: text },
						{ role: 'user', content: `${i}` },
					],
					tools,
				);
	} catch {
		// a counter that cannot count these models will say so on the calls themselves
	}
}
