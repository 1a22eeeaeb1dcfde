/**
 * What both provider clients share: key lookup, the per-call abort/inactivity-timeout guard, and
 * the ONE mapping from SDK failures to {@link ProviderError} (reason, status, retry-after, scrubbed
 * message). Nothing here keeps a key beyond the call that read it.
 */
import { ProviderError, type PartialResponse, type ProviderErrorReason } from '../../core/providers/providerError';
import { parseRetryAfter } from '../../core/providers/retryAfter';
import { displayUrl, scrubSecrets } from '../../core/providers/scrubSecrets';
import type { ProviderId, SecretSource } from '../../core/ports/llmTransport';
import type { Usage, UsageProblems } from '../../core/pricing/usage';

/** `tool_call_timeout_seconds` default. */
export const defaultTimeoutMs = 30_000;

/** A logger that drops everything: the SDKs would otherwise print request details (and raw SSE data) to the console. */
export const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface CallContext {
	readonly provider: ProviderId;
	readonly model: string;
	/** "OpenAI", "Anthropic" or "OpenAI-compatible endpoint http://…" — used in messages. */
	readonly label: string;
	/** The key in use, scrubbed from every message. */
	readonly key: string | undefined;
}

/** Reads the key for one call; a missing key is an `auth` error unless the endpoint needs none. */
export async function readKey(secrets: SecretSource, ctx: Omit<CallContext, 'key'>, optional: boolean): Promise<string | undefined> {
	let key: string | undefined;
	try {
		key = await secrets.get(ctx.provider);
	} catch {
		throw new ProviderError('auth', `Could not read the ${ctx.provider} API key from the secret store.`, { provider: ctx.provider, model: ctx.model, keyMissing: true });
	}
	key = key?.trim() || undefined;
	if (key === undefined && !optional) {
		throw new ProviderError('auth', `No API key is set for ${ctx.label}.`, { provider: ctx.provider, model: ctx.model, keyMissing: true, retryable: false });
	}
	return key;
}

/**
 * The signal one HTTP call runs under: the caller's signal, an inactivity timer that {@link touch}
 * re-arms on every byte of progress, and an explicit abort for consumers that stop iterating.
 * Remembers which of these fired first, so a timeout is never reported as a cancellation.
 */
export class CallGuard {
	readonly signal: AbortSignal;
	private readonly controller = new AbortController();
	private timer: ReturnType<typeof setTimeout> | undefined;
	private cause: 'cancelled' | 'timeout' | undefined;
	private readonly onCallerAbort = () => {
		this.cause ??= 'cancelled';
	};

	constructor(
		private readonly caller: AbortSignal | undefined,
		readonly timeoutMs: number,
	) {
		this.signal = caller ? AbortSignal.any([caller, this.controller.signal]) : this.controller.signal;
		if (caller?.aborted) this.cause = 'cancelled';
		caller?.addEventListener('abort', this.onCallerAbort, { once: true });
		this.touch();
	}

	/** Progress: re-arms the inactivity timer. */
	touch(): void {
		if (this.timer !== undefined) clearTimeout(this.timer);
		this.timer = setTimeout(() => {
			this.cause ??= 'timeout';
			this.controller.abort();
		}, this.timeoutMs);
	}

	/** Aborts the HTTP request (used when the consumer stops iterating). */
	abort(): void {
		this.controller.abort();
	}

	/** Which deadline ended the call, if any. */
	get fired(): 'cancelled' | 'timeout' | undefined {
		return this.cause ?? (this.caller?.aborted ? 'cancelled' : undefined);
	}

	dispose(): void {
		if (this.timer !== undefined) clearTimeout(this.timer);
		this.caller?.removeEventListener('abort', this.onCallerAbort);
	}
}

/** What has arrived of a response so far; becomes {@link PartialResponse} if the call fails. */
export interface Progress {
	/** The status line and headers arrived. */
	responded: boolean;
	/** At least one stream event (or the whole body) arrived. */
	started: boolean;
	events: number;
	text: string;
	toolCalls: { id: string; name: string; arguments: string }[];
	usage?: PartialResponse['usage'];
	responseId?: string;
	requestId?: string;
}

export function newProgress(): Progress {
	return { responded: false, started: false, events: 0, text: '', toolCalls: [] };
}

function partialOf(p: Progress): PartialResponse | undefined {
	if (!p.started) return undefined;
	return { text: p.text, toolCalls: p.toolCalls.filter(c => c !== undefined).map(c => ({ ...c })), usage: p.usage, responseId: p.responseId };
}

/** The cancellation or timeout error for a guard that fired. */
export function abortError(ctx: CallContext, guard: CallGuard, progress: Progress): ProviderError {
	const partial = partialOf(progress);
	const base = { provider: ctx.provider, model: ctx.model, partial, requestId: progress.requestId };
	if (guard.fired === 'timeout') {
		const seconds = formatSeconds(guard.timeoutMs);
		const msg = progress.started
			? `${ctx.label} stopped sending data: nothing for ${seconds} after ${progress.events} stream event(s) (model ${ctx.model}).`
			: `${ctx.label} did not answer within ${seconds} (model ${ctx.model}).`;
		return new ProviderError('timeout', msg, base);
	}
	return new ProviderError('cancelled', `The ${ctx.label} call was cancelled (model ${ctx.model}).`, { ...base, retryable: false });
}

function formatSeconds(ms: number): string {
	return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** The duck-typed shape shared by both SDKs' `APIError`. */
interface SdkApiError {
	readonly status?: number;
	readonly headers?: { get(name: string): string | null };
	readonly error?: unknown;
	readonly requestID?: string | null;
	readonly message: string;
}

function obj(v: unknown): Record<string, unknown> {
	return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
	return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Provider code and human message out of an error body (OpenAI `{error:{code,type,message}}`, Anthropic `{type:'error',error:{type,message}}`). */
function describeBody(body: unknown): { code?: string; type?: string; message?: string } {
	const b = obj(body);
	// The OpenAI SDK hands over `body.error`, the Anthropic SDK the whole body.
	const inner = b.error !== undefined && typeof b.error === 'object' ? obj(b.error) : b;
	return { code: str(inner.code), type: str(inner.type), message: str(inner.message) ?? str(b.message) };
}

function reasonForStatus(status: number, code: string | undefined, type: string | undefined): ProviderErrorReason {
	if (code === 'insufficient_quota' || type === 'insufficient_quota' || type === 'billing_error' || status === 402) return 'quota';
	if (status === 401 || status === 403) return 'auth';
	if (status === 429) return 'rateLimit';
	if (status === 408) return 'timeout';
	if (status === 409 || status >= 500) return 'server';
	return 'badRequest';
}

/** In-stream errors have no status; their code or type says what happened (the more specific one is checked first). */
function reasonForStreamError(code: string | undefined, type: string | undefined): ProviderErrorReason {
	const tags = [code, type];
	const any = (...names: string[]) => tags.some(t => t !== undefined && names.includes(t));
	if (any('rate_limit_error', 'rate_limit_exceeded', 'requests', 'tokens')) return 'rateLimit';
	if (any('billing_error', 'insufficient_quota')) return 'quota';
	if (any('authentication_error', 'permission_error', 'invalid_api_key')) return 'auth';
	if (any('timeout_error')) return 'timeout';
	if (any('invalid_request_error', 'not_found_error')) return 'badRequest';
	return 'server';
}

const verb: Record<ProviderErrorReason, string> = {
	auth: 'rejected the API key',
	quota: 'refused the call: the account has no quota or credit left',
	rateLimit: 'rate-limited the call',
	server: 'failed with a server error',
	timeout: 'timed out',
	unreachable: 'could not be reached',
	network: 'lost the connection',
	badResponse: 'sent a response that does not follow its protocol',
	cancelled: 'call was cancelled',
	badRequest: 'rejected the request',
};

function clip(text: string, max = 300): string {
	const one = text.replace(/\s+/g, ' ').trim();
	return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Maps an HTTP/API error of either SDK (status set, or an in-stream error event) to a ProviderError. */
function fromApiError(e: SdkApiError, ctx: CallContext, progress: Progress, nowMs: number): ProviderError {
	const { code, type, message } = describeBody(e.error);
	const status = typeof e.status === 'number' ? e.status : undefined;
	const reason = status !== undefined ? reasonForStatus(status, code, type) : reasonForStreamError(code, type);
	const header = (name: string) => e.headers?.get(name) ?? undefined;
	const retryAfterMs = e.headers ? parseRetryAfter(header, nowMs) : undefined;
	const shouldRetry = header('x-should-retry');
	const requestId = str(e.requestID) ?? header('x-request-id') ?? header('request-id') ?? progress.requestId;
	const where = status !== undefined ? `HTTP ${status}` : 'error event in the stream';
	const providerCode = code ?? type;
	const detail = message ?? (status !== undefined ? '' : e.message);
	const wait = retryAfterMs !== undefined ? `; the server asks to retry after ${formatSeconds(retryAfterMs)}` : '';
	const text = `${ctx.label} ${verb[reason]} (${where}${providerCode ? `, ${providerCode}` : ''}, model ${ctx.model})${detail ? `: ${clip(detail)}` : ''}${wait}`;
	return new ProviderError(reason, scrubSecrets(text, [ctx.key]), {
		provider: ctx.provider,
		model: ctx.model,
		status,
		retryAfterMs,
		retryable: shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : undefined,
		requestId,
		providerCode,
		partial: partialOf(progress),
	});
}

/** Socket codes that mean the host was never reached: nothing was sent, nothing billed. */
const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN']);

/** Whether a fetch failure's cause chain (undici nests the socket error) says the host was never reached. */
function neverReached(e: unknown): boolean {
	let cur: unknown = e;
	for (let depth = 0; cur && depth < 4; depth++) {
		const code = str(obj(cur).code);
		if (code && unreachableCodes.has(code)) return true;
		cur = obj(cur).cause;
	}
	return false;
}

/** The innermost `code`/message of a fetch failure (undici nests the socket error in `cause`). */
function networkCause(e: unknown): string {
	const parts: string[] = [];
	let cur: unknown = e;
	for (let depth = 0; cur && depth < 4; depth++) {
		const c = obj(cur);
		const code = str(c.code);
		const msg = str(c.message);
		if (code && !parts.includes(code)) parts.push(code);
		else if (msg && depth > 0 && !/^(fetch failed|Connection error\.?)$/i.test(msg)) parts.push(msg);
		cur = c.cause;
	}
	return parts.join(': ');
}

export interface SdkErrorClasses {
	readonly APIError: abstract new (...args: never[]) => SdkApiError;
	readonly APIUserAbortError: abstract new (...args: never[]) => unknown;
	readonly APIConnectionTimeoutError: abstract new (...args: never[]) => unknown;
	readonly APIConnectionError: abstract new (...args: never[]) => unknown;
}

/**
 * THE mapping from anything a call threw to a ProviderError. Order matters: a fired guard explains
 * an abort better than the SDK's generic abort error does.
 */
export function toProviderError(e: unknown, ctx: CallContext, guard: CallGuard, progress: Progress, sdk: SdkErrorClasses, baseUrl: string): ProviderError {
	if (e instanceof ProviderError) return e;
	if (guard.fired) return abortError(ctx, guard, progress);
	const base = { provider: ctx.provider, model: ctx.model, partial: partialOf(progress), requestId: progress.requestId };
	if (e instanceof sdk.APIConnectionTimeoutError) {
		return new ProviderError('timeout', `${ctx.label} did not answer within ${formatSeconds(guard.timeoutMs)} (model ${ctx.model}).`, base);
	}
	if (e instanceof sdk.APIUserAbortError) return new ProviderError('cancelled', `The ${ctx.label} call was cancelled (model ${ctx.model}).`, { ...base, retryable: false });
	if (e instanceof sdk.APIConnectionError) {
		const cause = networkCause(e);
		const reason = !progress.responded && neverReached(e) ? 'unreachable' : 'network';
		return new ProviderError(reason, scrubSecrets(`${ctx.label} could not be reached${reachedAt(ctx.label, baseUrl)}${cause ? ` (${cause})` : ''}.`, [ctx.key]), base);
	}
	if (e instanceof sdk.APIError) return fromApiError(e, ctx, progress, Date.now());
	if (e instanceof SyntaxError) {
		return new ProviderError(
			'badResponse',
			scrubSecrets(
				`${ctx.label} ${verb.badResponse}: the body is not valid JSON${progress.started ? ` (after ${progress.events} stream event(s))` : ''} (model ${ctx.model}): ${clip(e.message, 120)}`,
				[ctx.key],
			),
			{ ...base, retryable: false },
		);
	}
	if (e instanceof TypeError) {
		// undici: "terminated" when the socket closes while the body is being read.
		const cause = networkCause(e) || e.message;
		// "terminated": the socket closed while the body was being read, i.e. after the response began.
		const msg =
			progress.responded || /terminated/i.test(e.message)
				? `The connection to ${ctx.label} closed in the middle of the response, after ${progress.events} stream event(s) (model ${ctx.model}; ${cause}).`
				: `${ctx.label} could not be reached${reachedAt(ctx.label, baseUrl)} (${cause}).`;
		return new ProviderError(!progress.responded && neverReached(e) ? 'unreachable' : 'network', scrubSecrets(msg, [ctx.key]), base);
	}
	const message = e instanceof Error ? e.message : String(e);
	return new ProviderError('badResponse', scrubSecrets(`${ctx.label} call failed unexpectedly (model ${ctx.model}): ${clip(message)}`, [ctx.key]), { ...base, retryable: false });
}

/** A stream that ended without its final event: the connection was cut (or a proxy dropped it). */
export function truncatedStream(ctx: CallContext, progress: Progress, missing: string): ProviderError {
	return new ProviderError('network', `The ${ctx.label} stream ended before ${missing}, after ${progress.events} stream event(s) (model ${ctx.model}): the connection was cut.`, {
		provider: ctx.provider,
		model: ctx.model,
		partial: partialOf(progress),
		requestId: progress.requestId,
	});
}

/** A 2xx body that is not the protocol's object. */
export function badShape(ctx: CallContext, what: string, got: unknown, contentType: string | null, progress: Progress): ProviderError {
	const kind = typeof got === 'string' ? `text${contentType ? ` (${contentType.split(';')[0]})` : ''}` : got === null ? 'null' : typeof got;
	return new ProviderError('badResponse', `${ctx.label} ${verb.badResponse}: expected ${what}, got ${kind} (model ${ctx.model}).`, {
		provider: ctx.provider,
		model: ctx.model,
		retryable: false,
		partial: partialOf(progress),
		requestId: progress.requestId,
	});
}

/** A request the client cannot even send (bad tool-call JSON, provider mismatch). */
export function invalidRequest(ctx: Omit<CallContext, 'key'>, message: string): ProviderError {
	return new ProviderError('badRequest', message, { provider: ctx.provider, model: ctx.model, retryable: false });
}

/**
 * A provider's usage object, validated at the edge: normalized when every token field is a count;
 * otherwise no usage (the caller counts the tokens, marked ≈) and the problems, so a hostile or
 * broken endpoint can never make a call cost $0.
 */
export function providerUsage(normalize: (raw: unknown, problems: UsageProblems) => Usage, raw: unknown): { usage: Usage | undefined; usageInvalid?: readonly string[] } {
	if (raw === undefined || raw === null) return { usage: undefined };
	const problems: UsageProblems = [];
	const usage = normalize(raw, problems);
	return problems.length ? { usage: undefined, usageInvalid: problems } : { usage };
}

/**
 * A value the server chose — the model it says answered, a response or request id — as it may be
 * recorded and shown: the key scrubbed out (a hostile endpoint can echo it there), control
 * characters removed, at most 200 characters. Undefined when nothing is left.
 */
export function fromServer(value: unknown, key: string | undefined): string | undefined {
	if (typeof value !== 'string') return undefined;
	const clean = scrubSecrets(value.replace(/[\u0000-\u001f\u007f]/g, ''), [key]).slice(0, 200);
	return clean === '' ? undefined : clean;
}

/** ` at <url>`, unless the label already names it (an OpenAI-compatible endpoint is labelled by its URL). */
function reachedAt(label: string, baseUrl: string): string {
	const url = displayUrl(baseUrl);
	return label.includes(url) ? '' : ` at ${url}`;
}
