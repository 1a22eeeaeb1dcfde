/**
 * One billed call through the gateway, from the agent's request to its recording:
 *
 *   run → budget (observe: reserve the worst case with `BudgetGuard`; enforce: the policy's plan)
 *   → upstream (enforce: with the policy's retries and fallbacks) → response streamed back while a
 *   copy is parsed → settle with the reported usage (or the counted one, marked ≈) → recording,
 *   run tally, metrics.
 *
 * Spend rules (the same as live calls'): a provider error response (4xx/5xx) cost nothing and
 * releases its reservation; a stream cut, timed out or cancelled after it started is charged the
 * usage seen so far plus the counted output that arrived; a request that may have reached the
 * provider but got no answer (timeout, client gone) is charged its counted prompt.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BudgetExceededError, UnpricedModelError } from '../../core/budget/budgetErrors';
import type { BudgetGuard, Reservation } from '../../core/budget/budgetGuard';
import type { EngineConfig } from '../../core/config/defaults';
import type { PlanExplanation } from '../../core/engine/policyEngine';
import type { Clock } from '../../core/ports/clock';
import type { TokenCounter } from '../../core/ports/tokenCounter';
import { cachedReply } from '../../core/gateway/cachedReply';
import { countCallInput, type CallRequest } from '../../core/gateway/callRequest';
import { finishReasonOf, gatewayRecordingLines } from '../../core/gateway/gatewayRecording';
import type { CallProtocol, GatewayPath, GatewayProvider, HeaderLookup } from '../../core/gateway/gatewayRoutes';
import type { GatewayMode } from '../../core/gateway/gatewaySnapshot';
import { sentTranscript } from '../../core/gateway/requestRewrite';
import { ResponseObserver, type ObservedResponse } from '../../core/gateway/responseObserver';
import { agentOf, sessionOf, type RunGrouper } from '../../core/gateway/runGrouping';
import { wireError, wireErrorEvent, type GatewayErrorKind } from '../../core/gateway/wireErrors';
import { CancelledError, describeError } from '../../core/lib/errors';
import type { LiveCallRecord } from '../../core/live/liveCallRecord';
import { estimateUsage } from '../../core/live/liveCalls';
import type { AgentMetrics, CallStatus } from '../../core/metrics/agentMetrics';
import { formatTokens } from '../../core/pricing/format';
import type { CostResult } from '../../core/pricing/types';
import { zeroUsage, type Usage } from '../../core/pricing/usage';
import { ProviderError } from '../../core/providers/providerError';
import { scrubSecrets } from '../../core/providers/scrubSecrets';
import { FallbackExhaustedError, type AttemptRecord } from '../../core/routing/fallback';
import { rec, str } from '../../core/transcripts/jsonAccess';
import type { TranscriptMessage } from '../../core/transcripts/model';
import { cachedExtraOf, type EnforceDecision, type EnforceOutcome, type EnforcePolicy, type PaidSideCall } from './enforcePolicy';
import type { GatewayRuns } from './gatewayRuns';
import { planningKey } from './gatewaySummarizer';
import { pipeResponse, providerErrorOf, readBody, startUpstream, UpstreamFailure, type Started, type WireResponse } from './upstreamExchange';
import type { Upstream } from './upstream';

export interface CallContext {
	readonly mode: GatewayMode;
	config(): EngineConfig;
	readonly counter: TokenCounter;
	readonly clock: Clock;
	readonly guard: BudgetGuard;
	readonly enforce?: EnforcePolicy;
	readonly runs: GatewayRuns;
	readonly grouper: RunGrouper;
	readonly metrics: AgentMetrics;
	readonly upstreamTimeoutMs: number;
	readonly log: (line: string) => void;
	readonly newId: () => string;
	/** Every key the gateway holds (injected ones), to scrub from anything it writes. */
	secrets(): readonly (string | undefined)[];
	/** The run's budget changed: re-read it for the status (soon, not in the call's path). */
	budgetChanged(runId: string): void;
}

export interface CallIncoming {
	readonly req: IncomingMessage;
	readonly res: ServerResponse;
	readonly path: GatewayPath;
	readonly protocol: CallProtocol;
	readonly provider: GatewayProvider;
	readonly upstream: Upstream;
	readonly body: Buffer;
	readonly request: CallRequest;
	/** The workspace key ('' for the default folder) and where its recordings go (undefined: not recorded). */
	readonly workspace: string;
	readonly recordDir?: string;
	/** The stored key to send instead of the agent's placeholder. */
	readonly key?: { readonly provider: GatewayProvider; readonly value: string };
	/** The key the agent sent (only ever used to scrub it from text). */
	readonly clientKey?: string;
	/** Fires when the client goes away. */
	readonly signal: AbortSignal;
}

export function headerLookup(req: IncomingMessage): HeaderLookup {
	return name => {
		const v = req.headers[name];
		return Array.isArray(v) ? v[0] : v;
	};
}

/** What a call came to, before it is recorded. */
interface Conclusion {
	status: CallStatus;
	model: string;
	routedModel?: string;
	downgradedFrom?: string;
	cache?: 'exact' | 'semantic';
	usage?: Usage;
	estimated: boolean;
	cost?: CostResult;
	observed?: ObservedResponse;
	requestId?: string;
	error?: LiveCallRecord['error'];
	explanation: PlanExplanation[];
	sideCalls: readonly PaidSideCall[];
	attempts: readonly AttemptRecord[];
	/** What an enforce-mode decision changed (model, history, cache), for the run's tally. */
	decision?: string;
	/** The prompt as sent, when the policy changed it. */
	sent?: TranscriptMessage[];
}

function sendWire(res: ServerResponse, provider: GatewayProvider, kind: GatewayErrorKind, message: string, headers: Record<string, string> = {}): void {
	if (res.headersSent) {
		res.destroy();
		return;
	}
	const e = wireError(provider, kind, message);
	res.writeHead(e.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(e.body), ...headers });
	res.end(e.body);
}

/** Header values must be Latin-1; explanations use arrows and ellipses. */
function asciiHeader(text: string): string {
	return text
		.replace(/→/g, '->')
		.replace(/…/g, '...')
		.replace(/[−–—]/g, '-')
		.replace(/≈/g, '~')
		.replace(/[^\x20-\x7e]/g, '?')
		.slice(0, 1500);
}

function statusOfHttp(status: number): CallStatus {
	if (status === 401 || status === 403) return 'auth';
	if (status === 402) return 'quota';
	if (status === 429) return 'rateLimit';
	if (status === 408) return 'timeout';
	if (status >= 500 || status === 409) return 'server';
	return 'badRequest';
}

function requestIdOf(res: IncomingMessage | undefined): string | undefined {
	const v = res?.headers['request-id'] ?? res?.headers['x-request-id'];
	return typeof v === 'string' ? v : undefined;
}

function errorOf(wire: Buffer | undefined): { message?: string; code?: string } {
	if (!wire) return {};
	try {
		const e = rec(rec(JSON.parse(wire.toString('utf8'))).error);
		return { ...(str(e.message) !== undefined && { message: str(e.message) }), ...((str(e.type) ?? str(e.code)) !== undefined && { code: str(e.type) ?? str(e.code) }) };
	} catch {
		return {};
	}
}

function budgetExplanation(r: Reservation, inputTokens: number, maxOutputTokens: number): PlanExplanation[] {
	const out: PlanExplanation[] = [
		{
			stage: 'budget',
			rule: 'budget.reserved',
			text: `reserved up to $${r.usd.toFixed(4)} (${formatTokens(inputTokens)} input + ${formatTokens(maxOutputTokens)} max output tokens)`,
		},
	];
	for (const w of r.warnings) {
		if (w.kind === 'threshold') out.push({ stage: 'budget', rule: 'budget.threshold', text: `${w.scope} budget ${Math.round(w.ratio * 100)}% used (incl. reservations)` });
		else if (w.kind === 'overLimit') out.push({ stage: 'budget', rule: 'budget.overLimit', text: `over the ${w.scope} limit (warn-only policy)` });
		else out.push({ stage: 'budget', rule: 'budget.unpriced', text: `${w.model} has no price: not counted. ${w.hint}` });
	}
	return out;
}

/** A refusal the agent can act on: the budget's own sentence, plus why the reservation is what it is. */
function refusalMessage(e: BudgetExceededError | UnpricedModelError, maxOutputTokens: number): string {
	if (UnpricedModelError.is(e) || e.reason === 'steps') return e.message;
	return `${e.message} The gateway reserves a call's worst case before forwarding it: its prompt plus its max output tokens (${formatTokens(maxOutputTokens)}) at the model's prices.`;
}

/**
 * Runs a billed call end to end (see the module comment). Never throws: whatever happens, the
 * client gets an answer in its provider's shape (or the cut it caused) and the call is recorded.
 */
export async function handleCall(ctx: CallContext, inc: CallIncoming): Promise<void> {
	const startedAt = ctx.clock.now();
	const header = headerLookup(inc.req);
	const agent = agentOf(header('user-agent'));
	const session = sessionOf(header);
	const assignment = ctx.grouper.assign({ workspace: inc.workspace, ...(inc.path.runName !== undefined && { pathRun: inc.path.runName }), ...(session !== undefined && { session }), agent });
	const run = ctx.runs.enter(assignment, agent.family, inc.recordDir, startedAt);
	const step = run.summary.calls + run.summary.refused + run.summary.inFlight;
	const runHeaders = { 'x-agent-cost-run': assignment.runId };
	const maxOutputTokens = inc.request.maxOutputTokens ?? ctx.config().defaults.maxOutputTokens;
	let c: Conclusion;
	try {
		c =
			ctx.mode === 'enforce' && ctx.enforce
				? await enforceCall(ctx, inc, ctx.enforce, assignment.runId, step, runHeaders, maxOutputTokens)
				: await observeCall(ctx, inc, assignment.runId, runHeaders, maxOutputTokens);
	} catch (e) {
		// A bug in the gateway: the agent still gets an answer, and the spend is not lost from view.
		const message = scrubSecrets(describeError(e), [...ctx.secrets(), inc.clientKey]);
		ctx.log(`gateway: internal error in a call of run ${assignment.runId}: ${message}`);
		sendWire(inc.res, inc.provider, 'upstreamUnreachable', `internal error: ${message}`, runHeaders);
		c = { status: 'error', model: inc.request.model, estimated: false, explanation: [], sideCalls: [], attempts: [], error: { kind: 'gateway', reason: 'internal', message } };
	}
	await conclude(ctx, inc, assignment.runId, agent.userAgent, startedAt, c);
}

async function observeCall(ctx: CallContext, inc: CallIncoming, runId: string, runHeaders: Record<string, string>, maxOutputTokens: number): Promise<Conclusion> {
	const req = inc.request;
	const input = countCallInput(ctx.counter, req.model, req);
	const r = await ctx.guard.tryReserve({ runId, model: req.model, inputTokens: input.tokens, maxOutputTokens, exactCount: input.exact });
	if (!r.ok) return refuse(ctx, inc, r.error, maxOutputTokens, runHeaders, []);
	const reservation = r.reservation;
	const base: Conclusion = { status: 'ok', model: req.model, estimated: false, explanation: budgetExplanation(reservation, input.tokens, maxOutputTokens), sideCalls: [], attempts: [] };
	let started: Started;
	try {
		started = await upstreamCall(ctx, inc);
	} catch (e) {
		return noResponse(ctx, inc, e, base, input.tokens, runHeaders, async usage => (usage ? ctx.guard.settle(reservation, usage) : (await ctx.guard.release(reservation), undefined)));
	}
	const status = started.res.statusCode ?? 502;
	const piped = await pipeCopy(ctx, inc, started, runHeaders);
	if (status >= 300) {
		await ctx.guard.release(reservation);
		return upstreamErrorConclusion(ctx, inc, base, status, piped.observed, started.res);
	}
	const { usage, estimated, callStatus } = usageOf(ctx, req.model, input.tokens, piped.observed, piped.end);
	const cost = await ctx.guard.settle(reservation, usage);
	return {
		...base,
		status: callStatus,
		usage,
		estimated,
		cost,
		observed: piped.observed,
		...requestIdField(started.res),
		...(piped.end !== 'complete' || piped.observed.error ? { error: cutError(piped.end, piped.observed) } : {}),
	};
}

/** The agent's request as it goes upstream: its own bytes, or the policy's rewrite of them. */
function upstreamCall(ctx: CallContext, inc: CallIncoming, rewritten?: string): Promise<Started> {
	return startUpstream({
		upstream: inc.upstream,
		client: inc.req,
		path: inc.path.upstreamPath,
		body: rewritten !== undefined ? Buffer.from(rewritten, 'utf8') : inc.body,
		rewritten: rewritten !== undefined,
		...(inc.key && { key: inc.key }),
		timeoutMs: ctx.upstreamTimeoutMs,
		signal: inc.signal,
	});
}

function requestIdField(res: IncomingMessage | undefined): { requestId?: string } {
	const id = requestIdOf(res);
	return id !== undefined ? { requestId: id } : {};
}

/** The upstream's body to the client, and a parsed copy. */
async function pipeCopy(
	ctx: CallContext,
	inc: CallIncoming,
	started: Started,
	headers: Record<string, string>,
): Promise<{ observed: ObservedResponse; end: 'complete' | 'cut' | 'timeout' | 'cancelled' }> {
	const status = started.res.statusCode ?? 502;
	const isStream = /text\/event-stream/i.test(String(started.res.headers['content-type'] ?? ''));
	const observer = new ResponseObserver(inc.protocol, isStream, status);
	const piped = await pipeResponse(started, {
		client: inc.res,
		headers,
		observer,
		timeoutMs: ctx.upstreamTimeoutMs,
		signal: inc.signal,
		errorEvent: kind =>
			wireErrorEvent(
				inc.provider,
				inc.protocol,
				kind,
				kind === 'upstreamTimeout' ? `the provider sent nothing for ${Math.round(ctx.upstreamTimeoutMs / 1000)} s` : 'the connection to the provider was cut mid-response',
			),
	});
	return { observed: observer.end(), end: piped.end };
}

/** Usage to charge for a 2xx response, and how the call ended. */
function usageOf(
	ctx: CallContext,
	model: string,
	inputTokens: number,
	o: ObservedResponse,
	end: 'complete' | 'cut' | 'timeout' | 'cancelled',
): { usage: Usage; estimated: boolean; callStatus: CallStatus } {
	const callStatus: CallStatus = end === 'cancelled' ? 'cancelled' : end === 'timeout' ? 'timeout' : end === 'cut' ? 'network' : o.error ? 'server' : 'ok';
	if (end === 'complete' && o.usageFinal && o.usage && !o.error) return { usage: o.usage, estimated: false, callStatus };
	// No final usage (a Chat Completions stream without include_usage, a cut stream): count what is known.
	const usage = estimateUsage(ctx.counter, model, inputTokens, { text: o.text + o.reasoning, toolCalls: o.toolCalls, ...(o.usage && { usage: o.usage }) });
	return { usage, estimated: true, callStatus };
}

function cutError(end: 'complete' | 'cut' | 'timeout' | 'cancelled', o: ObservedResponse): LiveCallRecord['error'] {
	if (o.error && end === 'complete')
		return { kind: 'provider', reason: 'server', message: `the provider reported an error mid-response (${o.error.type}): settled with the usage seen so far, counted (≈)` };
	const why = end === 'cancelled' ? 'the client closed the connection' : end === 'timeout' ? 'the provider went silent' : 'the connection to the provider was cut';
	return { kind: 'provider', reason: end === 'cancelled' ? 'cancelled' : end === 'timeout' ? 'timeout' : 'network', message: `${why} mid-response: settled with the usage seen so far, counted (≈)` };
}

/** The upstream answered with an error status (passed to the client as it came): nothing was billed. */
function upstreamErrorConclusion(ctx: CallContext, inc: CallIncoming, base: Conclusion, status: number, o: ObservedResponse, res: IncomingMessage): Conclusion {
	const message = scrubSecrets(o.error?.message ?? `HTTP ${status}`, [...ctx.secrets(), inc.clientKey]);
	return {
		...base,
		status: statusOfHttp(status),
		...requestIdField(res),
		error: { kind: 'provider', reason: statusOfHttp(status), message: `the provider answered HTTP ${status}${o.error ? ` ${o.error.type}` : ''}: ${message}` },
	};
}

/**
 * No response came: unreachable (nothing billed), timed out or the client left first (the prompt
 * may have been processed: charged as counted).
 */
async function noResponse(
	ctx: CallContext,
	inc: CallIncoming,
	e: unknown,
	base: Conclusion,
	inputTokens: number,
	headers: Record<string, string>,
	settle: (usage: Usage | undefined) => Promise<CostResult | undefined>,
): Promise<Conclusion> {
	if (!UpstreamFailure.is(e)) throw e;
	if (e.reason === 'unreachable') {
		await settle(undefined);
		sendWire(inc.res, inc.provider, 'upstreamUnreachable', e.message, headers);
		return { ...base, status: 'network', error: { kind: 'provider', reason: 'network', message: e.message } };
	}
	const usage: Usage = { ...zeroUsage, input: inputTokens };
	const cost = await settle(usage);
	if (e.reason === 'timeout') sendWire(inc.res, inc.provider, 'upstreamTimeout', e.message, headers);
	return {
		...base,
		status: e.reason === 'timeout' ? 'timeout' : 'cancelled',
		usage,
		estimated: true,
		...(cost && { cost }),
		error: { kind: 'provider', reason: e.reason === 'timeout' ? 'timeout' : 'cancelled', message: `${e.message}: charged the counted prompt (≈), which the provider may have processed` },
	};
}

function refuse(
	ctx: CallContext,
	inc: CallIncoming,
	e: BudgetExceededError | UnpricedModelError,
	maxOutputTokens: number,
	headers: Record<string, string>,
	sideCalls: readonly PaidSideCall[],
): Conclusion {
	const message = refusalMessage(e, maxOutputTokens);
	sendWire(inc.res, inc.provider, 'budget', message, headers);
	if (BudgetExceededError.is(e)) ctx.metrics.recordBudgetEvent('refused', e.reason === 'daily' ? 'day' : 'run');
	return {
		status: 'refused',
		model: BudgetExceededError.is(e) ? e.details.model : e.model,
		estimated: false,
		explanation: [{ stage: 'budget', rule: `budget.refused.${e.reason}`, text: e.message }],
		sideCalls,
		attempts: [],
		error: { kind: 'budget', reason: e.reason, message },
	};
}

async function enforceCall(ctx: CallContext, inc: CallIncoming, policy: EnforcePolicy, runId: string, step: number, runHeaders: Record<string, string>, maxOutputTokens: number): Promise<Conclusion> {
	const req = inc.request;
	let decision: EnforceDecision;
	const paid: PaidSideCall[] = [];
	try {
		const decide = () => policy.decide({ runId, request: req, step, signal: inc.signal, onSideCall: s => paid.push(s) });
		const key = inc.key?.value ?? inc.clientKey;
		decision = key !== undefined ? await planningKey.run({ provider: inc.provider, key }, decide) : await decide();
	} catch (e) {
		if (BudgetExceededError.is(e) || UnpricedModelError.is(e)) return refuse(ctx, inc, e, maxOutputTokens, runHeaders, paid);
		if (CancelledError.is(e))
			return {
				status: 'cancelled',
				model: req.model,
				estimated: false,
				explanation: [],
				sideCalls: paid,
				attempts: [],
				error: { kind: 'cancelled', reason: 'cancelled', message: 'the client closed the connection while the policy decided' },
			};
		throw e;
	}
	const described = describeDecision(decision);
	const headers = { ...runHeaders, 'x-agent-cost-decision': asciiHeader(described.header) };
	if (decision.kind === 'cached') {
		const extra = cachedExtraOf(decision.response);
		const reply = cachedReply(
			req.protocol,
			{ model: decision.response.model, text: decision.response.content, toolCalls: extra.toolCalls, ...(extra.stopReason !== undefined && { stopReason: extra.stopReason }) },
			{
				id: `agent-cost-cache-${ctx.newId()}`,
				stream: req.stream,
				streamUsage: req.streamUsage,
			},
		);
		inc.res.writeHead(200, { 'content-type': reply.contentType, 'content-length': Buffer.byteLength(reply.body), ...headers });
		inc.res.end(reply.body);
		return {
			status: 'cacheHit',
			model: decision.response.model,
			cache: decision.source,
			estimated: false,
			explanation: [...decision.explanation],
			sideCalls: decision.sideCalls,
			attempts: [],
			...(described.changed !== undefined && { decision: described.changed }),
			observed: {
				text: decision.response.content,
				reasoning: '',
				toolCalls: extra.toolCalls,
				usageFinal: true,
				complete: true,
				events: 0,
				...(extra.stopReason !== undefined && { stopReason: extra.stopReason }),
			},
		};
	}
	const plan = decision.plan;
	const base: Conclusion = {
		status: 'ok',
		model: plan.model,
		routedModel: plan.routing.model,
		...(plan.downgradedFrom !== undefined && { downgradedFrom: plan.downgradedFrom }),
		estimated: false,
		explanation: [...decision.explanation],
		sideCalls: decision.sideCalls,
		attempts: [],
		...(described.changed !== undefined && { decision: described.changed }),
		...(decision.rewrite && { sent: sentTranscript(req, plan.messages) }),
	};
	let lastWire: { wire: WireResponse; res: IncomingMessage } | undefined;
	let lastFailure: UpstreamFailure | undefined;
	let outcome: Awaited<ReturnType<EnforcePolicy['call']>> & { result: Started };
	try {
		outcome = await policy.call<Started>(
			decision,
			req,
			async a => {
				let s: Started;
				try {
					s = await upstreamCall(ctx, inc, a.body);
				} catch (e) {
					if (!UpstreamFailure.is(e)) throw e;
					lastFailure = e;
					if (e.reason === 'cancelled') throw new CancelledError();
					throw new ProviderError(e.reason === 'timeout' ? 'timeout' : 'network', e.message, { provider: inc.provider, model: a.model });
				}
				const status = s.res.statusCode ?? 502;
				if (status < 300) return s;
				const wire: WireResponse = { status, headers: { ...s.res.headers }, body: await readBody(s.res) };
				lastWire = { wire, res: s.res };
				lastFailure = undefined;
				const err = errorOf(wire.body);
				throw providerErrorOf(inc.provider, a.model, wire, scrubSecrets(err.message ?? `HTTP ${status}`, [...ctx.secrets(), inc.clientKey]), err.code);
			},
			inc.signal,
		);
	} catch (e) {
		const attempts = FallbackExhaustedError.is(e) ? e.attempts : [];
		if (BudgetExceededError.is(e) || UnpricedModelError.is(e)) return { ...refuse(ctx, inc, e, maxOutputTokens, headers, decision.sideCalls), attempts };
		if (CancelledError.is(e))
			return { ...base, status: 'cancelled', attempts, error: { kind: 'cancelled', reason: 'cancelled', message: 'the client closed the connection before the provider answered' } };
		if (!FallbackExhaustedError.is(e)) throw e;
		if (lastWire && !lastFailure) {
			// The provider's own error response, as it sent it.
			const { wire, res } = lastWire;
			inc.res.writeHead(wire.status, { ...stripHopByHop(wire.headers), ...headers });
			inc.res.end(wire.body);
			const err = errorOf(wire.body);
			return {
				...base,
				status: statusOfHttp(wire.status),
				attempts,
				...requestIdField(res),
				error: { kind: 'provider', reason: statusOfHttp(wire.status), message: scrubSecrets(e.message, [...ctx.secrets(), inc.clientKey]) + (err.code ? ` (${err.code})` : '') },
			};
		}
		const kind = lastFailure?.reason === 'timeout' ? 'upstreamTimeout' : 'upstreamUnreachable';
		sendWire(inc.res, inc.provider, kind, lastFailure?.message ?? e.message, headers);
		return {
			...base,
			status: lastFailure?.reason === 'timeout' ? 'timeout' : 'network',
			attempts,
			error: { kind: 'provider', reason: lastFailure?.reason === 'timeout' ? 'timeout' : 'network', message: e.message },
		};
	}
	const started = outcome.result;
	const piped = await pipeCopy(ctx, inc, started, headers);
	const inputTokens = plan.model === outcome.model ? plan.inputTokens : countCallInput(ctx.counter, outcome.model, req).tokens;
	const { usage, estimated, callStatus } = usageOf(ctx, outcome.model, inputTokens, piped.observed, piped.end);
	const o = piped.observed;
	const settleOutcome: EnforceOutcome =
		callStatus === 'ok'
			? {
					kind: 'completed',
					usage,
					answer: { model: o.model ?? outcome.model, text: o.text, toolCalls: o.toolCalls, ...(o.stopReason !== undefined && { stopReason: o.stopReason }) },
					// Only complete answers with reported usage are reused (as live calls do).
					cacheable: !estimated && ['stop', 'toolCalls'].includes(finishReasonOf(o.stopReason)),
				}
			: { kind: 'partial', usage };
	const settled = await policy.settle(decision, outcome.reservation, settleOutcome);
	return {
		...base,
		model: outcome.model,
		status: callStatus,
		usage,
		estimated: estimated || settled.estimated,
		...(settled.cost && { cost: settled.cost }),
		observed: o,
		attempts: outcome.attempts,
		...requestIdField(started.res),
		...(piped.end !== 'complete' || o.error ? { error: cutError(piped.end, o) } : {}),
	};
}

function stripHopByHop(headers: WireResponse['headers']): WireResponse['headers'] {
	const out = { ...headers };
	for (const h of ['connection', 'keep-alive', 'transfer-encoding']) delete out[h];
	return out;
}

/** The decision for the response header, and (when the policy changed anything) for the run's tally. */
function describeDecision(d: EnforceDecision): { readonly header: string; readonly changed?: string } {
	if (d.kind === 'cached') {
		const text = `served from the ${d.source} response cache at no cost`;
		return { header: `cache=${d.source}; ${text}`, changed: text };
	}
	const p = d.plan;
	const parts = [`model=${p.model} (${p.routing.tier === 'pinned' ? "the agent's" : `${p.tier} tier`})`];
	parts.push(`cache=${p.explanation.some(e => e.rule === 'cache.miss') ? 'miss' : 'off'}`);
	const compression = d.rewrite?.changes.filter(c => !c.startsWith('model ')) ?? [];
	parts.push(`compression=${compression.length ? compression.join(', ') : 'none'}`);
	parts.push(`budget=reserved $${p.reservation.usd.toFixed(4)}${p.downgradedFrom ? ` after a soft-budget downgrade from ${p.downgradedFrom}` : ''}`);
	const changed = d.rewrite?.changes.length ? d.rewrite.changes.join('; ') : undefined;
	return { header: parts.join('; '), ...(changed !== undefined && { changed }) };
}

/** Records the call, tallies its run and counts it in the metrics; a recording failure is logged, never thrown. */
async function conclude(ctx: CallContext, inc: CallIncoming, runId: string, userAgent: string, startedAt: number, c: Conclusion): Promise<void> {
	const ended = ctx.clock.now();
	const req = inc.request;
	const o = c.observed;
	const costUsd = c.cost?.kind === 'priced' ? c.cost.usd : undefined;
	const record: LiveCallRecord = {
		kind: 'liveCall',
		v: 1,
		id: ctx.newId(),
		runId,
		startedAt: new Date(startedAt).toISOString(),
		endedAt: new Date(ended).toISOString(),
		status: c.status,
		provider: inc.provider,
		model: c.model,
		...(c.routedModel !== undefined && { routedModel: c.routedModel }),
		...(c.downgradedFrom !== undefined && { downgradedFrom: c.downgradedFrom }),
		...(c.cache !== undefined && { cache: c.cache }),
		messages: [],
		params: { maxOutputTokens: req.maxOutputTokens, ...(req.params.temperature !== undefined && { temperature: req.params.temperature }) },
		...(o && {
			response: {
				text: o.text,
				toolCalls: o.toolCalls,
				finishReason: finishReasonOf(o.stopReason),
				...(o.model !== undefined && { servedModel: o.model }),
				...(o.id !== undefined && { responseId: o.id }),
				...(c.requestId !== undefined && { requestId: c.requestId }),
			},
		}),
		...(c.usage && { usage: c.usage, usageSource: c.estimated ? ('estimated' as const) : ('provider' as const) }),
		...(costUsd !== undefined && { costUsd }),
		costEstimated: c.estimated || (c.cost?.kind === 'priced' && c.cost.estimated === true),
		...(c.sideCalls.length && {
			otherCharges: c.sideCalls.map(s => ({
				model: s.model,
				usage: s.usage,
				...(s.cost?.kind === 'priced' && { costUsd: s.cost.usd }),
				estimated: s.estimated,
				status: s.status === 'ok' ? ('ok' as const) : ('error' as const),
				purpose: s.purpose,
			})),
		}),
		latencyMs: ended - startedAt,
		attempts: c.attempts,
		...(c.error && { error: c.error }),
		explanation: c.explanation,
	};
	ctx.metrics.recordCall({ model: record.model, usage: record.usage, costUsd, status: record.status, durationMs: record.latencyMs });
	// Ids, models and numbers only: never a prompt, an answer or a key.
	ctx.log(
		`run ${runId} · ${record.model} · ${record.status}${c.usage ? ` · ${c.usage.input} in / ${c.usage.output} out tokens${c.estimated ? ' (≈)' : ''}` : ''}${costUsd !== undefined ? ` · $${costUsd.toFixed(6)}` : c.cost?.kind === 'unpriced' ? ' · unpriced' : ''}${c.decision ? ` · ${c.decision}` : ''} · ${record.latencyMs} ms`,
	);
	const inputs = ctx.runs.inputsOf(runId);
	const prompt = c.sent ?? req.transcript;
	const placed = record.status === 'refused' ? undefined : inputs?.place(prompt, req.tools);
	if (placed) inputs?.answered(placed.thread, placed.keys, o ? { text: o.text, toolCalls: o.toolCalls } : undefined);
	const sideCost = c.sideCalls.reduce((n, s) => n + (s.cost?.kind === 'priced' ? s.cost.usd : 0), 0);
	ctx.runs.finish(
		runId,
		{
			outcome: c.status === 'ok' ? 'ok' : c.status === 'cacheHit' ? 'cacheHit' : c.status === 'refused' ? 'refused' : c.status === 'cancelled' ? 'cancelled' : 'error',
			inputTokens: c.usage?.input ?? 0,
			outputTokens: c.usage?.output ?? 0,
			...(costUsd !== undefined || sideCost > 0 ? { costUsd: (costUsd ?? 0) + sideCost } : {}),
			estimated: c.estimated,
			unpriced: c.usage !== undefined && c.cost?.kind === 'unpriced',
			...(c.decision !== undefined && { decision: c.decision }),
		},
		ended,
	);
	ctx.budgetChanged(runId);
	try {
		await ctx.runs.record(runId, gatewayRecordingLines(record, placed && { thread: placed.thread, input: placed.input }), userAgent);
	} catch (e) {
		ctx.log(`gateway: a call of run ${runId} could not be recorded: ${describeError(e)}`);
	}
}
