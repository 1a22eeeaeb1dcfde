/**
 * A local stand-in for the OpenAI Chat Completions, Embeddings and Responses, Anthropic Messages and
 * Gemini generateContent APIs that speaks their REAL wire protocols (JSON and SSE, usage included), so the official SDKs run end to end without
 * internet — in unit tests, in the VS Code integration test and from the command line
 * (`fakeProviderServerMain.ts`).
 *
 * Every request is answered by the first scripted {@link FakeBehavior} whose filter matches it (FIFO),
 * else by the default reply; faults are behaviors too (429 + retry-after, 5xx, hang, slow, cut
 * stream, malformed body, mid-stream error event). A configured key makes a wrong or missing key
 * fail with the provider's own 401 JSON before any script is consumed. Every request is logged with
 * headers, body and how it ended (`completed`, `clientClosed`, `serverCut`).
 *
 * Out-of-process control (for the integration test): `POST /__fake/enqueue` {behavior, match?} or
 * an array of them, `GET /__fake/requests`, `POST /__fake/reset`.
 *
 * Binds 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createOfflineEmbedder } from '../../src/core/caching/embedder';

type FakeProvider = 'openai' | 'anthropic' | 'gemini';
type FakeEndpoint = 'chat' | 'messages' | 'countTokens' | 'embeddings' | 'responses' | 'models' | 'generateContent';

/** Usage the fake reports, in the normalized convention: `input` INCLUDES cache reads and writes. */
interface FakeUsage {
	readonly input?: number;
	readonly cacheRead?: number;
	readonly cacheWrite5m?: number;
	readonly cacheWrite1h?: number;
	readonly output?: number;
	readonly reasoning?: number;
	/** Anthropic only: server-tool uses reported in `usage.server_tool_use` (`{web_search: 2}` → `web_search_requests: 2`). */
	readonly serverTools?: Readonly<Record<string, number>>;
}

interface FakeToolCall {
	readonly id?: string;
	readonly name: string;
	/** JSON text or an object (serialized for OpenAI, sent as `input` for Anthropic). */
	readonly arguments: string | Record<string, unknown>;
}

export interface FakeReply {
	readonly text?: string;
	readonly toolCalls?: readonly FakeToolCall[];
	/** Defaults to `toolCalls` when there are tool calls, else `stop`. */
	readonly finish?: 'stop' | 'length' | 'toolCalls';
	/** Defaults to an estimate from the request and answer sizes (4 characters per token). */
	readonly usage?: FakeUsage;
	/** Send no usage at all (like OpenAI-compatible servers that ignore `include_usage`). */
	readonly omitUsage?: boolean;
	/** The model the response reports; defaults to the requested one. */
	readonly model?: string;
	/** Delay before the status line and headers. */
	readonly firstByteDelayMs?: number;
	/** Delay between stream events. */
	readonly chunkDelayMs?: number;
	/** Characters per streamed text delta (default 8). */
	readonly chunkChars?: number;
}

export type FakeBehavior =
	| ({ readonly type: 'reply' } & FakeReply)
	/** An HTTP error with the provider's error JSON (status-appropriate defaults for message and code). */
	| {
			readonly type: 'error';
			readonly status: number;
			/** Sent as the `retry-after` header (seconds or an HTTP date). */
			readonly retryAfter?: string;
			readonly retryAfterMs?: number;
			/** OpenAI `error.code` / Anthropic `error.type`. */
			readonly code?: string;
			readonly message?: string;
			readonly headers?: Readonly<Record<string, string>>;
	  }
	/** Accept the request and never answer (until the client gives up or the server closes). */
	| { readonly type: 'hang' }
	/** Stream `afterEvents` events of the reply, then drop the connection (`reset`) or end the body cleanly (`end`). */
	| ({ readonly type: 'cutStream'; readonly afterEvents: number; readonly how?: 'reset' | 'end' } & FakeReply)
	/** A 200 that breaks the protocol: truncated JSON body, a garbage SSE event, or an HTML page. */
	| { readonly type: 'malformed'; readonly where: 'body' | 'stream' | 'html' }
	/** Stream `afterEvents` events, then the provider's in-stream error (Anthropic `event: error`, OpenAI `data: {"error":…}`). */
	| ({ readonly type: 'streamError'; readonly afterEvents: number; readonly code?: string; readonly message?: string } & FakeReply)
	/** Answer for `/v1/messages/count_tokens`. */
	| { readonly type: 'countTokens'; readonly inputTokens: number };

/** Which requests a scripted behavior may answer; omitted fields match anything. */
export interface FakeMatch {
	readonly provider?: FakeProvider;
	readonly endpoint?: FakeEndpoint;
	readonly model?: string;
}

type FakeOutcome = 'pending' | 'completed' | 'clientClosed' | 'serverCut';

interface FakeRequestRecord {
	readonly seq: number;
	readonly provider: FakeProvider;
	readonly endpoint: FakeEndpoint;
	readonly method: string;
	readonly path: string;
	/** Lower-cased header names, as received. */
	readonly headers: Readonly<Record<string, string>>;
	readonly rawBody: string;
	/** The parsed JSON body (undefined when it was not JSON). */
	readonly body: unknown;
	/** What answered: a behavior type, `auth` (wrong key) or `default`. */
	readonly answeredBy: FakeBehavior['type'] | 'auth' | 'default';
	readonly receivedAt: number;
	outcome: FakeOutcome;
}

export interface FakeProviderServerOptions {
	/** 0 (default) picks a free port. */
	readonly port?: number;
	/** Keys the fake accepts; a provider without one accepts any key, including none. */
	readonly keys?: Partial<Record<FakeProvider, string>>;
	/** The reply when no script matches (default: text "Hello from the fake provider."). */
	readonly defaultReply?: FakeReply;
	/**
	 * Counts a request's input tokens for the usage the fake reports (default: a characters / 4
	 * estimate). A test that compares with the product's own counts passes the product's counter.
	 */
	readonly countInput?: (provider: FakeProvider, body: unknown) => number;
	/**
	 * Put into every response, request and tool id (`msg_fake_<prefix><n>`). Ids restart at 1 with
	 * every server, so agent sessions recorded against two servers would share ids without it.
	 * @default ''
	 */
	readonly idPrefix?: string;
	/**
	 * Answers a chat request that no script matched, from the request itself (return undefined for
	 * the default reply). How a test tells the fake to agree or disagree with a recorded run: look up
	 * the step the request's messages are at and answer as the run did, or otherwise.
	 */
	readonly respond?: (request: { readonly provider: FakeProvider; readonly endpoint: FakeEndpoint; readonly model: string; readonly body: unknown }) => FakeReply | undefined;
}

export interface FakeProviderServer {
	/** `http://127.0.0.1:<port>` */
	readonly url: string;
	readonly port: number;
	/** Base URL for the OpenAI SDK (`…/v1`). */
	readonly openaiBaseUrl: string;
	/** Base URL for the Anthropic SDK (it appends `/v1/messages`). */
	readonly anthropicBaseUrl: string;
	/** Queues behaviors answered in order by the next matching requests. */
	enqueue(behaviors: FakeBehavior | readonly FakeBehavior[], match?: FakeMatch): void;
	/** Every request received so far, oldest first. */
	readonly requests: readonly FakeRequestRecord[];
	/** Resolves once a request satisfies `predicate` (checked on arrival and when requests end). */
	waitFor(predicate: (r: FakeRequestRecord) => boolean, timeoutMs?: number): Promise<FakeRequestRecord>;
	/** Forgets scripts and the request log; ids restart at 1. */
	reset(): void;
	/** Closes every connection (hanging ones included) and the listener. */
	close(): Promise<void>;
}

interface Scripted {
	readonly behavior: FakeBehavior;
	readonly match: FakeMatch;
}

const maxBodyBytes = 20 * 1024 * 1024;
const defaultReplyText = 'Hello from the fake provider.';

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms));

/** Starts the fake on 127.0.0.1. */
export async function startFakeProviderServer(options: FakeProviderServerOptions = {}): Promise<FakeProviderServer> {
	let scripts: Scripted[] = [];
	let log: FakeRequestRecord[] = [];
	let seq = 0;
	const waiters = new Set<{ predicate: (r: FakeRequestRecord) => boolean; resolve: (r: FakeRequestRecord) => void }>();
	const sockets = new Set<Socket>();
	const defaultReply: FakeReply = options.defaultReply ?? { text: defaultReplyText };

	const notify = (r: FakeRequestRecord) => {
		for (const w of [...waiters]) {
			if (w.predicate(r)) {
				waiters.delete(w);
				w.resolve(r);
			}
		}
	};

	const server: Server = createServer((req, res) => {
		void handle(req, res).catch(() => {
			if (!res.headersSent) {
				res.statusCode = 500;
				res.end();
			} else res.destroy();
		});
	});
	server.on('connection', s => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const path = url.pathname;
		const rawBody = await readBody(req);
		if (rawBody === undefined) {
			res.writeHead(413).end();
			return;
		}
		if (path.startsWith('/__fake/')) return control(req.method ?? 'GET', path, rawBody, res);

		const route: { provider: FakeProvider; endpoint: FakeEndpoint; model?: string } | undefined = routeOf(req.method ?? 'GET', path) ?? agentRouteOf(req.method ?? 'GET', path, req.headers);
		if (!route) {
			sendJson(res, 404, { error: { message: `fake provider: no route for ${req.method} ${path}`, type: 'invalid_request_error', code: 'not_found' } });
			return;
		}
		let body: unknown;
		try {
			body = JSON.parse(rawBody);
		} catch {
			body = undefined;
		}
		const headers: Record<string, string> = {};
		for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
		const model = route.model ?? (typeof obj(body).model === 'string' ? (obj(body).model as string) : 'unknown-model');

		const authOk = checkAuth(route.provider, headers, options.keys?.[route.provider]);
		let behavior: FakeBehavior | undefined;
		let answeredBy: FakeRequestRecord['answeredBy'];
		if (!authOk) {
			answeredBy = 'auth';
		} else {
			const i = scripts.findIndex(s => matches(s.match, route.provider, route.endpoint, model) && answers(s, route.endpoint));
			if (i >= 0) {
				behavior = scripts[i].behavior;
				scripts.splice(i, 1);
				answeredBy = behavior.type;
			} else answeredBy = 'default';
		}
		const record: FakeRequestRecord = {
			seq: ++seq,
			provider: route.provider,
			endpoint: route.endpoint,
			method: req.method ?? 'GET',
			path,
			headers,
			rawBody,
			body,
			answeredBy,
			receivedAt: Date.now(),
			outcome: 'pending',
		};
		log.push(record);
		res.on('close', () => {
			if (record.outcome === 'pending') record.outcome = res.writableFinished ? 'completed' : 'clientClosed';
			notify(record);
		});
		notify(record);

		const ctx: Ctx = {
			countInput: options.countInput,
			provider: route.provider,
			endpoint: route.endpoint,
			seq: record.seq,
			id: `${options.idPrefix ?? ''}${record.seq}`,
			model,
			body,
			res,
			record,
			stream: wantsStream(body, path),
		};
		if (!authOk) return sendProviderError(ctx, { type: 'error', status: 401, message: unauthorizedMessage(route.provider, headers) });
		if (route.endpoint === 'embeddings') return behavior ? answer(ctx, behavior) : sendEmbeddings(ctx);
		if (route.endpoint === 'models') return sendModels(ctx);
		if (route.endpoint === 'countTokens') {
			if (behavior?.type === 'countTokens') return sendJson(res, 200, { input_tokens: behavior.inputTokens });
			if (behavior && behavior.type !== 'reply') return answer(ctx, behavior);
			return sendJson(res, 200, { input_tokens: estimateRequestTokens(body) });
		}
		return answer(ctx, behavior ?? { type: 'reply', ...(options.respond?.({ provider: route.provider, endpoint: route.endpoint, model, body }) ?? defaultReply) });
	}

	function control(method: string, path: string, rawBody: string, res: ServerResponse): void {
		if (method === 'GET' && path === '/__fake/requests') return sendJson(res, 200, log);
		if (method === 'POST' && path === '/__fake/reset') {
			api.reset();
			return sendJson(res, 200, { ok: true });
		}
		if (method === 'POST' && path === '/__fake/enqueue') {
			let parsed: unknown;
			try {
				parsed = JSON.parse(rawBody);
			} catch {
				return sendJson(res, 400, { error: 'body must be JSON: {"behavior":…,"match":…} or an array of them' });
			}
			const items = Array.isArray(parsed) ? parsed : [parsed];
			for (const item of items) {
				const b = obj(item).behavior;
				if (typeof obj(b).type !== 'string') return sendJson(res, 400, { error: 'each item needs a "behavior" with a "type"' });
				scripts.push({ behavior: b as FakeBehavior, match: obj(obj(item).match) as FakeMatch });
			}
			return sendJson(res, 200, { queued: scripts.length });
		}
		sendJson(res, 404, { error: `unknown control route ${method} ${path}` });
	}

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const port = (server.address() as AddressInfo).port;
	const url = `http://127.0.0.1:${port}`;

	const api: FakeProviderServer = {
		url,
		port,
		openaiBaseUrl: `${url}/v1`,
		anthropicBaseUrl: url,
		enqueue(behaviors, match = {}) {
			const list = Array.isArray(behaviors) ? (behaviors as readonly FakeBehavior[]) : [behaviors as FakeBehavior];
			for (const behavior of list) scripts.push({ behavior, match });
		},
		get requests() {
			return log;
		},
		waitFor(predicate, timeoutMs = 5000) {
			const found = log.find(predicate);
			if (found) return Promise.resolve(found);
			return new Promise((resolve, reject) => {
				const w = {
					predicate,
					resolve: (r: FakeRequestRecord) => {
						clearTimeout(timer);
						resolve(r);
					},
				};
				const timer = setTimeout(() => {
					waiters.delete(w);
					reject(new Error(`fake provider: no matching request within ${timeoutMs} ms (${log.length} received)`));
				}, timeoutMs);
				waiters.add(w);
			});
		},
		reset() {
			scripts = [];
			log = [];
			seq = 0;
		},
		close() {
			return new Promise<void>(resolve => {
				server.close(() => resolve());
				for (const s of sockets) s.destroy();
			});
		},
	};
	return api;
}

interface Ctx {
	readonly countInput?: FakeProviderServerOptions['countInput'];
	readonly provider: FakeProvider;
	readonly endpoint: FakeEndpoint;
	readonly seq: number;
	/** What ids carry: the sequence number behind the server's id prefix. */
	readonly id: string;
	readonly stream: boolean;
	readonly model: string;
	readonly body: unknown;
	readonly res: ServerResponse;
	readonly record: FakeRequestRecord;
}

function routeOf(method: string, path: string): { provider: FakeProvider; endpoint: FakeEndpoint; model?: string } | undefined {
	if (method !== 'POST') return undefined;
	const gemini = geminiRoute(path);
	if (gemini) return gemini;
	// Suffix matching, so gateway-style prefixes (`/openai/v1/chat/completions`) work too.
	if (path.endsWith('/chat/completions')) return { provider: 'openai', endpoint: 'chat' };
	if (path.endsWith('/embeddings')) return { provider: 'openai', endpoint: 'embeddings' };
	if (path.endsWith('/v1/messages/count_tokens')) return { provider: 'anthropic', endpoint: 'countTokens' };
	if (path.endsWith('/v1/messages')) return { provider: 'anthropic', endpoint: 'messages' };
	return undefined;
}

/**
 * An embeddings request takes only scripts that name its endpoint: a test that scripts "the next
 * answer" (or fault) means the next chat call, whether or not a semantic cache embeds first.
 */
function answers(s: Scripted, endpoint: FakeEndpoint): boolean {
	return endpoint !== 'embeddings' || s.match.endpoint === 'embeddings';
}

function matches(m: FakeMatch, provider: FakeProvider, endpoint: FakeEndpoint, model: string): boolean {
	return (m.provider === undefined || m.provider === provider) && (m.endpoint === undefined || m.endpoint === endpoint) && (m.model === undefined || m.model === model);
}

function checkAuth(provider: FakeProvider, headers: Record<string, string>, key: string | undefined): boolean {
	if (key === undefined) return true;
	if (headers.authorization === `Bearer ${key}`) return true;
	if (provider === 'gemini') return headers['x-goog-api-key'] === key;
	return provider === 'anthropic' && headers['x-api-key'] === key;
}

/** What the real APIs say about a bad key; OpenAI echoes a masked fragment of it, as here. */
function unauthorizedMessage(provider: FakeProvider, headers: Record<string, string>): string {
	if (provider === 'anthropic') return 'invalid x-api-key';
	const sent = (headers.authorization ?? '').replace(/^Bearer\s+/i, '');
	if (!sent) return "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
	const masked = sent.length > 12 ? `${sent.slice(0, 6)}${'*'.repeat(10)}${sent.slice(-4)}` : '*'.repeat(sent.length);
	return `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`;
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		size += (chunk as Buffer).length;
		if (size > maxBodyBytes) return undefined;
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks).toString('utf8');
}

function obj(v: unknown): Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
	res.end(text);
}

function requestIdHeaders(ctx: Ctx): Record<string, string> {
	const id = `req_fake_${ctx.id}`;
	return ctx.provider === 'openai' ? { 'x-request-id': id } : { 'request-id': id };
}

/**
 * `/v1/embeddings`: deterministic unit vectors of the model's size (hashed word and character
 * n-grams), so similar texts get similar vectors and a semantic cache can be tested end to end.
 * Usage is 4 characters per token, like the fake's other estimates.
 */
function sendEmbeddings(ctx: Ctx): void {
	const b = obj(ctx.body);
	const input = typeof b.input === 'string' ? [b.input] : Array.isArray(b.input) && b.input.every(x => typeof x === 'string') ? (b.input as string[]) : undefined;
	if (!input || input.length === 0) return sendProviderError(ctx, { type: 'error', status: 400, message: "'input' must be a string or a non-empty array of strings" });
	const dims = typeof b.dimensions === 'number' ? b.dimensions : ctx.model === 'text-embedding-3-large' ? 3072 : 1536;
	const embedder = createOfflineEmbedder(dims);
	const tokens = input.reduce((n, t) => n + Math.max(1, Math.ceil(t.length / 4)), 0);
	sendJson(
		ctx.res,
		200,
		{
			object: 'list',
			model: ctx.model,
			data: input.map((t, index) => ({ object: 'embedding', index, embedding: Array.from(embedder.embedSync(t)) })),
			usage: { prompt_tokens: tokens, total_tokens: tokens },
		},
		requestIdHeaders(ctx),
	);
}

/** Rough token estimate (4 characters per token) of everything the request sends. */
function estimateRequestTokens(body: unknown): number {
	const b = obj(body);
	const text = JSON.stringify([b.system ?? '', b.messages ?? [], b.tools ?? []]);
	return Math.max(1, Math.ceil(text.length / 4));
}

function argumentsText(call: FakeToolCall): string {
	return typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
}

/** Every token field set; `serverTools` stays optional so tests can pass plain usage objects. */
type ResolvedUsage = Required<Omit<FakeUsage, 'serverTools'>> & Pick<FakeUsage, 'serverTools'>;

function resolveUsage(ctx: Ctx, reply: FakeReply): ResolvedUsage {
	const u = reply.usage ?? {};
	const answerChars = (reply.text ?? '').length + (reply.toolCalls ?? []).reduce((n, c) => n + c.name.length + argumentsText(c).length, 0);
	return {
		input: u.input ?? (ctx.countInput ? ctx.countInput(ctx.provider, ctx.body) : estimateRequestTokens(ctx.body)),
		cacheRead: u.cacheRead ?? 0,
		cacheWrite5m: u.cacheWrite5m ?? 0,
		cacheWrite1h: u.cacheWrite1h ?? 0,
		output: u.output ?? Math.max(1, Math.ceil(answerChars / 4)),
		reasoning: u.reasoning ?? 0,
		...(u.serverTools && { serverTools: u.serverTools }),
	};
}

/** The OpenAI Chat Completions `usage` object: `prompt_tokens` INCLUDES cached tokens. */
export function openaiUsageJson(u: ResolvedUsage): Record<string, unknown> {
	return {
		prompt_tokens: u.input,
		completion_tokens: u.output,
		total_tokens: u.input + u.output,
		prompt_tokens_details: { cached_tokens: u.cacheRead, audio_tokens: 0 },
		completion_tokens_details: { reasoning_tokens: u.reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
	};
}

/** The Anthropic `usage` object: `input_tokens` EXCLUDES cache reads and writes. */
export function anthropicUsageJson(u: ResolvedUsage): Record<string, unknown> {
	const writes = u.cacheWrite5m + u.cacheWrite1h;
	return {
		input_tokens: Math.max(0, u.input - u.cacheRead - writes),
		cache_creation_input_tokens: writes,
		cache_read_input_tokens: u.cacheRead,
		cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite5m, ephemeral_1h_input_tokens: u.cacheWrite1h },
		output_tokens: u.output,
		service_tier: 'standard',
		...(u.serverTools && Object.keys(u.serverTools).length > 0 && { server_tool_use: serverToolUseJson(u.serverTools) }),
	};
}

function serverToolUseJson(tools: Readonly<Record<string, number>>): Record<string, number> {
	return Object.fromEntries(Object.entries(tools).map(([tool, uses]) => [`${tool}_requests`, uses]));
}

function finishOf(reply: FakeReply): 'stop' | 'length' | 'toolCalls' {
	return reply.finish ?? ((reply.toolCalls ?? []).length > 0 ? 'toolCalls' : 'stop');
}

const openaiFinish = { stop: 'stop', length: 'length', toolCalls: 'tool_calls' } as const;
const anthropicStop = { stop: 'end_turn', length: 'max_tokens', toolCalls: 'tool_use' } as const;

function pieces(text: string, size: number): string[] {
	const out: string[] = [];
	for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
	return out;
}

function toolId(ctx: Ctx, call: FakeToolCall, i: number): string {
	return call.id ?? (ctx.provider === 'openai' ? `call_fake_${ctx.id}_${i}` : `toolu_fake_${ctx.id}_${i}`);
}

function wantsStream(body: unknown, path: string): boolean {
	return obj(body).stream === true || path.includes(':streamGenerateContent');
}

async function answer(ctx: Ctx, behavior: FakeBehavior): Promise<void> {
	switch (behavior.type) {
		case 'reply':
			return reply(ctx, behavior, undefined);
		case 'cutStream':
			return reply(ctx, behavior, { afterEvents: behavior.afterEvents, kind: behavior.how === 'end' ? 'end' : 'reset' });
		case 'streamError':
			return reply(ctx, behavior, { afterEvents: behavior.afterEvents, kind: 'error', code: behavior.code, message: behavior.message });
		case 'error':
			return sendProviderError(ctx, behavior);
		case 'hang':
			return; // the response stays open until the client or close() ends it
		case 'malformed':
			return malformed(ctx, behavior.where);
		case 'countTokens':
			return sendJson(ctx.res, 200, { input_tokens: behavior.inputTokens });
	}
}

function sendProviderError(ctx: Ctx, e: Extract<FakeBehavior, { type: 'error' }>): void {
	const d = errorDefaults(ctx, e.status);
	const headers: Record<string, string> = { ...requestIdHeaders(ctx), ...(e.headers ?? {}) };
	if (e.retryAfter !== undefined) headers['retry-after'] = e.retryAfter;
	if (e.retryAfterMs !== undefined) headers['retry-after-ms'] = String(e.retryAfterMs);
	const message = e.message ?? d.message;
	const code = e.code ?? d.code;
	const body =
		ctx.provider === 'openai'
			? { error: { message, type: d.openaiType, param: null, code } }
			: ctx.provider === 'gemini'
				? geminiErrorJson(e.status, message)
				: { type: 'error', error: { type: code, message }, request_id: `req_fake_${ctx.id}` };
	sendJson(ctx.res, e.status, body, headers);
	ctx.record.outcome = 'completed';
}

function errorDefaults(ctx: Ctx, status: number): { message: string; code: string; openaiType: string } {
	const openai = ctx.provider === 'openai';
	switch (status) {
		case 400:
			return { message: 'Invalid request.', code: openai ? 'invalid_request' : 'invalid_request_error', openaiType: 'invalid_request_error' };
		case 401:
			return { message: 'Invalid API key.', code: openai ? 'invalid_api_key' : 'authentication_error', openaiType: 'invalid_request_error' };
		case 402:
			return { message: 'Your credit balance is too low to access the API.', code: openai ? 'insufficient_quota' : 'billing_error', openaiType: 'insufficient_quota' };
		case 403:
			return { message: 'Your API key does not have permission to use the specified resource.', code: openai ? 'permission_denied' : 'permission_error', openaiType: 'invalid_request_error' };
		case 404:
			return { message: `The model \`${ctx.model}\` does not exist or you do not have access to it.`, code: openai ? 'model_not_found' : 'not_found_error', openaiType: 'invalid_request_error' };
		case 429:
			return openai
				? { message: `Rate limit reached for ${ctx.model} in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1.`, code: 'rate_limit_exceeded', openaiType: 'requests' }
				: { message: 'Number of request tokens has exceeded your per-minute rate limit.', code: 'rate_limit_error', openaiType: 'requests' };
		case 529:
			return { message: 'Overloaded', code: openai ? 'server_overloaded' : 'overloaded_error', openaiType: 'server_error' };
		default:
			return status >= 500
				? { message: 'The server had an error while processing your request. Sorry about that!', code: openai ? 'server_error' : 'api_error', openaiType: 'server_error' }
				: { message: `Request failed with status ${status}.`, code: openai ? 'invalid_request' : 'invalid_request_error', openaiType: 'invalid_request_error' };
	}
}

function malformed(ctx: Ctx, where: 'body' | 'stream' | 'html'): void {
	const { res } = ctx;
	if (where === 'html') {
		const html = '<!DOCTYPE html><html><body><h1>Gateway sign-in required</h1></body></html>';
		res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...requestIdHeaders(ctx) });
		res.end(html);
		return;
	}
	if (where === 'body' || !ctx.stream) {
		const truncated =
			ctx.provider === 'openai' ? '{"id":"chatcmpl-fake","object":"chat.completion","choices":[{"index":0,"message":{"role":"assist' : '{"id":"msg_fake","type":"message","content":[{"type":"te';
		res.writeHead(200, { 'content-type': 'application/json', ...requestIdHeaders(ctx) });
		res.end(truncated);
		return;
	}
	res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...requestIdHeaders(ctx) });
	if (ctx.provider === 'openai') res.end('data: {"id":"chatcmpl-fake","choices":[{"index":0,"delta":{"content":"Hel\n\ndata: [DONE]\n\n');
	else res.end('event: message_start\ndata: {"type":"message_start","message":{"id":"msg_fake",\n\n');
}

interface Cut {
	readonly afterEvents: number;
	readonly kind: 'reset' | 'end' | 'error';
	readonly code?: string;
	readonly message?: string;
}

async function reply(ctx: Ctx, r: FakeReply, cut: Cut | undefined): Promise<void> {
	const { res } = ctx;
	if (r.firstByteDelayMs) await sleep(r.firstByteDelayMs);
	if (res.destroyed) return;
	const usage = resolveUsage(ctx, r);
	const model = r.model ?? ctx.model;
	if (ctx.endpoint === 'generateContent') return replyGemini(ctx, r, model, usage, cut);
	if (!ctx.stream) {
		if (cut) {
			// A non-streamed answer cut short: headers and half a body, then the connection drops.
			res.writeHead(200, { 'content-type': 'application/json', ...requestIdHeaders(ctx) });
			res.write('{"id":"partial",');
			ctx.record.outcome = 'serverCut';
			res.destroy();
			return;
		}
		const body = ctx.endpoint === 'responses' ? responsesJson(ctx, r, model, usage) : ctx.provider === 'openai' ? openaiJson(ctx, r, model, usage) : anthropicJson(ctx, r, model, usage);
		sendJson(res, 200, body, requestIdHeaders(ctx));
		return;
	}
	const events = ctx.endpoint === 'responses' ? responsesEvents(ctx, r, model, usage) : ctx.provider === 'openai' ? openaiEvents(ctx, r, model, usage) : anthropicEvents(ctx, r, model, usage);
	res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...requestIdHeaders(ctx) });
	res.flushHeaders();
	let sent = 0;
	for (const event of events) {
		if (cut && sent >= cut.afterEvents) {
			if (cut.kind === 'error') {
				res.end(streamErrorEvent(ctx, cut));
				ctx.record.outcome = 'completed';
				return;
			}
			ctx.record.outcome = 'serverCut';
			if (cut.kind === 'end') res.end();
			else res.destroy();
			return;
		}
		if (res.destroyed) return;
		// Wait until the event is handed to the socket, so a cut right after it still delivers it.
		await new Promise<void>(resolve => res.write(event, () => resolve()));
		sent++;
		if (r.chunkDelayMs) await sleep(r.chunkDelayMs);
	}
	if (!res.destroyed) res.end();
}

function streamErrorEvent(ctx: Ctx, cut: Cut): string {
	if (ctx.endpoint === 'responses') return responsesErrorEvent(cut);
	if (ctx.provider === 'anthropic') {
		const error = { type: cut.code ?? 'overloaded_error', message: cut.message ?? 'Overloaded' };
		return `event: error\ndata: ${JSON.stringify({ type: 'error', error })}\n\n`;
	}
	const error = { message: cut.message ?? 'The server had an error while processing your request.', type: 'server_error', param: null, code: cut.code ?? null };
	return `data: ${JSON.stringify({ error })}\n\n`;
}

function sse(data: unknown, event?: string): string {
	return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

function openaiJson(ctx: Ctx, r: FakeReply, model: string, usage: ResolvedUsage): unknown {
	const calls = r.toolCalls ?? [];
	return {
		id: `chatcmpl-fake-${ctx.id}`,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model,
		choices: [
			{
				index: 0,
				message: {
					role: 'assistant',
					content: r.text ?? (calls.length ? null : ''),
					refusal: null,
					...(calls.length ? { tool_calls: calls.map((c, i) => ({ id: toolId(ctx, c, i), type: 'function', function: { name: c.name, arguments: argumentsText(c) } })) } : {}),
				},
				logprobs: null,
				finish_reason: openaiFinish[finishOf(r)],
			},
		],
		...(r.omitUsage ? {} : { usage: openaiUsageJson(usage) }),
		system_fingerprint: 'fp_fake',
	};
}

function openaiEvents(ctx: Ctx, r: FakeReply, model: string, usage: ResolvedUsage): string[] {
	const includeUsage = obj(obj(ctx.body).stream_options).include_usage === true && !r.omitUsage;
	const base = { id: `chatcmpl-fake-${ctx.id}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, system_fingerprint: 'fp_fake' };
	const chunk = (delta: unknown, finish: string | null = null) => sse({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) });
	const out = [chunk({ role: 'assistant', content: '', refusal: null })];
	for (const p of pieces(r.text ?? '', r.chunkChars ?? 8)) out.push(chunk({ content: p }));
	(r.toolCalls ?? []).forEach((c, i) => {
		out.push(chunk({ tool_calls: [{ index: i, id: toolId(ctx, c, i), type: 'function', function: { name: c.name, arguments: '' } }] }));
		for (const p of pieces(argumentsText(c), r.chunkChars ?? 8)) out.push(chunk({ tool_calls: [{ index: i, function: { arguments: p } }] }));
	});
	out.push(chunk({}, openaiFinish[finishOf(r)]));
	if (includeUsage) out.push(sse({ ...base, choices: [], usage: openaiUsageJson(usage) }));
	out.push('data: [DONE]\n\n');
	return out;
}

function anthropicToolInput(c: FakeToolCall): unknown {
	if (typeof c.arguments !== 'string') return c.arguments;
	try {
		return JSON.parse(c.arguments);
	} catch {
		return {};
	}
}

function anthropicJson(ctx: Ctx, r: FakeReply, model: string, usage: ResolvedUsage): unknown {
	const content: unknown[] = [];
	if (r.text) content.push({ type: 'text', text: r.text });
	(r.toolCalls ?? []).forEach((c, i) => content.push({ type: 'tool_use', id: toolId(ctx, c, i), name: c.name, input: anthropicToolInput(c) }));
	return {
		id: `msg_fake_${ctx.id}`,
		type: 'message',
		role: 'assistant',
		model,
		content,
		stop_reason: anthropicStop[finishOf(r)],
		stop_sequence: null,
		...(r.omitUsage ? {} : { usage: anthropicUsageJson(usage) }),
	};
}

function anthropicEvents(ctx: Ctx, r: FakeReply, model: string, usage: ResolvedUsage): string[] {
	const full = anthropicUsageJson(usage);
	// message_start carries the input side; output_tokens is a placeholder the API also sends.
	const startUsage = r.omitUsage ? undefined : { ...full, output_tokens: 1 };
	const out = [
		sse(
			{
				type: 'message_start',
				message: { id: `msg_fake_${ctx.id}`, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, ...(startUsage ? { usage: startUsage } : {}) },
			},
			'message_start',
		),
		sse({ type: 'ping' }, 'ping'),
	];
	let index = 0;
	if (r.text) {
		out.push(sse({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }, 'content_block_start'));
		for (const p of pieces(r.text, r.chunkChars ?? 8)) out.push(sse({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: p } }, 'content_block_delta'));
		out.push(sse({ type: 'content_block_stop', index }, 'content_block_stop'));
		index++;
	}
	(r.toolCalls ?? []).forEach((c, i) => {
		out.push(sse({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: toolId(ctx, c, i), name: c.name, input: {} } }, 'content_block_start'));
		for (const p of pieces(JSON.stringify(anthropicToolInput(c)), r.chunkChars ?? 8))
			out.push(sse({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: p } }, 'content_block_delta'));
		out.push(sse({ type: 'content_block_stop', index }, 'content_block_stop'));
		index++;
	});
	out.push(
		sse(
			{
				type: 'message_delta',
				delta: { stop_reason: anthropicStop[finishOf(r)], stop_sequence: null },
				...(r.omitUsage
					? {}
					: { usage: { output_tokens: usage.output, ...(usage.serverTools && Object.keys(usage.serverTools).length > 0 && { server_tool_use: serverToolUseJson(usage.serverTools) }) } }),
			},
			'message_delta',
		),
	);
	out.push(sse({ type: 'message_stop' }, 'message_stop'));
	return out;
}

// ---------------------------------------------------------------------------------------------
// What real coding agents call besides Chat Completions and Messages: OpenAI Responses (Codex CLI
// speaks only this, `wire_api = "responses"`) and `GET /v1/models` of either provider.

/** `POST …/responses` and `GET …/models` (the provider of a models listing is told by its headers, as the gateway does). */
function agentRouteOf(method: string, path: string, headers: IncomingMessage['headers']): { provider: FakeProvider; endpoint: FakeEndpoint } | undefined {
	if (method === 'POST' && path.endsWith('/v1/responses')) return { provider: 'openai', endpoint: 'responses' };
	if (method === 'GET' && path.endsWith('/v1/models'))
		return { provider: headers['x-api-key'] !== undefined || headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai', endpoint: 'models' };
	return undefined;
}

const fakeModelIds: Record<FakeProvider, readonly string[]> = {
	openai: ['gpt-4o', 'gpt-4o-mini', 'gpt-5'],
	anthropic: ['claude-sonnet-4-5', 'claude-opus-4-6', 'claude-haiku-4-5'],
	gemini: ['gemini-2.5-pro', 'gemini-2.5-flash'],
};

function sendModels(ctx: Ctx): void {
	const ids = fakeModelIds[ctx.provider];
	const body =
		ctx.provider === 'openai'
			? { object: 'list', data: ids.map(id => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })) }
			: { data: ids.map(id => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' })), has_more: false, first_id: ids[0], last_id: ids[ids.length - 1] };
	sendJson(ctx.res, 200, body, requestIdHeaders(ctx));
	ctx.record.outcome = 'completed';
}

// Gemini generateContent (Gemini CLI): enough to run a turn, call a tool and record usage —
// what the agent-session fixtures are generated with.

/** Gemini's `/v1beta/models/<model>:(stream)GenerateContent` (Gemini CLI, through GOOGLE_GEMINI_BASE_URL). */
function geminiRoute(path: string): { provider: FakeProvider; endpoint: FakeEndpoint; model?: string } | undefined {
	const gemini = /\/models\/([^/:]+):(?:stream)?[gG]enerateContent$/.exec(path);
	if (gemini) return { provider: 'gemini', endpoint: 'generateContent', model: decodeURIComponent(gemini[1]) };
	return undefined;
}

/** Gemini's error body (`{error:{code,message,status}}`). */
function geminiErrorJson(status: number, message: string): unknown {
	const statusName = status === 429 ? 'RESOURCE_EXHAUSTED' : status === 401 || status === 403 ? 'PERMISSION_DENIED' : status === 404 ? 'NOT_FOUND' : status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
	return { error: { code: status, message, status: statusName } };
}

async function replyGemini(ctx: Ctx, r: FakeReply, model: string, usage: ResolvedUsage, cut: Cut | undefined): Promise<void> {
	const { res } = ctx;
	const events = geminiChunks(ctx, r, model, usage);
	if (!ctx.stream) {
		const last = events[events.length - 1];
		sendJson(res, 200, last.data, requestIdHeaders(ctx));
		return;
	}
	res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...requestIdHeaders(ctx) });
	res.flushHeaders();
	let sent = 0;
	for (const e of events) {
		if (cut && sent >= cut.afterEvents) {
			ctx.record.outcome = 'serverCut';
			res.destroy();
			return;
		}
		if (res.destroyed) return;
		await new Promise<void>(resolve => res.write(sse(e.data, e.event), () => resolve()));
		sent++;
		if (r.chunkDelayMs) await sleep(r.chunkDelayMs);
	}
	if (!res.destroyed) res.end();
}

/** The Responses API `usage` object: `input_tokens` INCLUDES cached tokens, `output_tokens` includes reasoning. */
function responsesUsageJson(u: ResolvedUsage): Record<string, unknown> {
	return {
		input_tokens: u.input,
		input_tokens_details: { cached_tokens: u.cacheRead },
		output_tokens: u.output,
		output_tokens_details: { reasoning_tokens: u.reasoning },
		total_tokens: u.input + u.output,
	};
}

interface ResponsesItems {
	readonly items: Record<string, unknown>[];
	readonly events: [string, Record<string, unknown>][];
}

/** The output items of a reply and the stream events that build them, in order. */
function responsesItems(ctx: Ctx, r: FakeReply): ResponsesItems {
	const items: Record<string, unknown>[] = [];
	const events: [string, Record<string, unknown>][] = [];
	const size = r.chunkChars ?? 8;
	if (r.text !== undefined && r.text !== '') {
		const id = `msg_fake_${ctx.id}`;
		const output_index = items.length;
		const done = { id, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: r.text, annotations: [] }] };
		events.push(['response.output_item.added', { output_index, item: { ...done, status: 'in_progress', content: [] } }]);
		events.push(['response.content_part.added', { item_id: id, output_index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }]);
		for (const delta of pieces(r.text, size)) events.push(['response.output_text.delta', { item_id: id, output_index, content_index: 0, delta }]);
		events.push(['response.output_text.done', { item_id: id, output_index, content_index: 0, text: r.text }]);
		events.push(['response.content_part.done', { item_id: id, output_index, content_index: 0, part: done.content[0] }]);
		events.push(['response.output_item.done', { output_index, item: done }]);
		items.push(done);
	}
	(r.toolCalls ?? []).forEach((c, i) => {
		const id = `fc_fake_${ctx.id}_${i}`;
		const output_index = items.length;
		const args = argumentsText(c);
		const done = { id, type: 'function_call', status: 'completed', call_id: toolId(ctx, c, i), name: c.name, arguments: args };
		events.push(['response.output_item.added', { output_index, item: { ...done, status: 'in_progress', arguments: '' } }]);
		for (const delta of pieces(args, size)) events.push(['response.function_call_arguments.delta', { item_id: id, output_index, delta }]);
		events.push(['response.function_call_arguments.done', { item_id: id, output_index, arguments: args }]);
		events.push(['response.output_item.done', { output_index, item: done }]);
		items.push(done);
	});
	return { items, events };
}

function responsesObject(ctx: Ctx, model: string, status: string, output: unknown[], usage: Record<string, unknown> | null, finish: 'stop' | 'length' | 'toolCalls'): Record<string, unknown> {
	return {
		id: `resp_fake_${ctx.id}`,
		object: 'response',
		created_at: Math.floor(Date.now() / 1000),
		status: finish === 'length' && status === 'completed' ? 'incomplete' : status,
		model,
		output,
		incomplete_details: finish === 'length' && status === 'completed' ? { reason: 'max_output_tokens' } : null,
		usage,
	};
}

function responsesJson(ctx: Ctx, r: FakeReply, model: string, usage: ResolvedUsage): unknown {
	return responsesObject(ctx, model, 'completed', responsesItems(ctx, r).items, r.omitUsage ? null : responsesUsageJson(usage), finishOf(r));
}

function responsesEvents(ctx: Ctx, r: FakeReply, model: string, usage: ResolvedUsage): string[] {
	const { items, events } = responsesItems(ctx, r);
	let sequence_number = 0;
	const ev = (type: string, data: Record<string, unknown>) => sse({ type, sequence_number: sequence_number++, ...data }, type);
	const out = [
		ev('response.created', { response: responsesObject(ctx, model, 'in_progress', [], null, 'stop') }),
		ev('response.in_progress', { response: responsesObject(ctx, model, 'in_progress', [], null, 'stop') }),
	];
	for (const [type, data] of events) out.push(ev(type, data));
	const finish = finishOf(r);
	const final = finish === 'length' ? 'response.incomplete' : 'response.completed';
	out.push(ev(final, { response: responsesObject(ctx, model, 'completed', items, r.omitUsage ? null : responsesUsageJson(usage), finish) }));
	return out;
}

function responsesErrorEvent(cut: Cut): string {
	return sse({ type: 'error', code: cut.code ?? 'server_error', message: cut.message ?? 'The server had an error while processing your request.', param: null }, 'error');
}

/** Gemini `usageMetadata`: `promptTokenCount` INCLUDES the cached tokens, `candidatesTokenCount` EXCLUDES thoughts. */
function geminiUsageJson(u: ResolvedUsage): Record<string, unknown> {
	return {
		promptTokenCount: u.input,
		candidatesTokenCount: Math.max(0, u.output - u.reasoning),
		totalTokenCount: u.input + u.output,
		...(u.cacheRead > 0 && { cachedContentTokenCount: u.cacheRead }),
		...(u.reasoning > 0 && { thoughtsTokenCount: u.reasoning }),
	};
}

function geminiChunks(ctx: Ctx, r: FakeReply, model: string, usage: ResolvedUsage): { event: string; data: unknown }[] {
	const finish = { stop: 'STOP', length: 'MAX_TOKENS', toolCalls: 'STOP' }[finishOf(r)];
	const base = { modelVersion: model, responseId: `gemini_fake_${ctx.id}` };
	const out: { event: string; data: unknown }[] = [];
	const textPieces = pieces(r.text ?? '', r.chunkChars ?? 8);
	textPieces.forEach(p => out.push({ event: '', data: { ...base, candidates: [{ content: { role: 'model', parts: [{ text: p }] }, index: 0 }] } }));
	const calls = (r.toolCalls ?? []).map(c => ({ functionCall: { name: c.name, args: anthropicToolInput(c) } }));
	out.push({
		event: '',
		data: {
			...base,
			candidates: [{ content: { role: 'model', parts: calls.length > 0 ? calls : [{ text: '' }] }, finishReason: finish, index: 0 }],
			...(r.omitUsage ? {} : { usageMetadata: geminiUsageJson(usage) }),
		},
	});
	return out;
}
