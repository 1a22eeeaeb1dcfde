import { randomBytes } from 'node:crypto';
import { BudgetExceededError, UnpricedModelError } from '../../core/budget/budgetErrors';
import { dayKey } from '../../core/budget/dayKey';
import { compressionOutcome, compressPromptFile, proseUnits, writeUnits } from '../../core/prompts/promptCompression';
import type { PromptCompressionResult } from '../../core/compression/types';
import type { JobContext, JobHandlers } from '../../core/jobs/jobProtocol';
import type { Plan } from '../../core/engine/policyEngine';
import { CancelledError, describeError } from '../../core/lib/errors';
import { budgetEventsOf } from '../../core/live/budgetEvents';
import { defaultProviderOf, type LiveCallResult } from '../../core/live/liveCalls';
import type {
	CompressPreview,
	CompressPromptParams,
	CompressPromptResult,
	KeyRequest,
	LiveAnswer,
	LiveFailure,
	LiveJobs,
	LiveRefusal,
	LiveRunParams,
	LiveRunProgress,
	LiveRunResult,
	MetricsEndpointState,
} from '../../core/jobs/liveJobs';
import { LiveJobError } from '../../core/jobs/liveJobs';
import { buildSpendReport, liveRecordingFileName } from '../../core/live/spendReport';
import { AgentMetrics } from '../../core/metrics/agentMetrics';
import { createPriceCatalog, type FullPriceCatalog } from '../../core/pricing/catalog';
import { ProviderError } from '../../core/providers/providerError';
import type { ProviderId } from '../../core/ports/llmTransport';
import { FallbackExhaustedError, type AttemptRecord } from '../../core/routing/fallback';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readLedgerRecords } from '../../core/budget/ledgerLine';
import { KeyBroker, type KeyChannel } from '../keyBroker';
import { counter, LiveRuntimes, type LiveRuntime } from '../liveRuntime';
import { startMetricsServer, type MetricsServer } from '../metricsServer';
import { livePriceOverrides } from '../livePriceOverrides';
import { AnthropicTransport } from '../providers/anthropicTransport';
import { runProbeJob } from './probeJob';

export interface LiveJobHandlerOptions {
	/** Writer name in recording headers. */
	readonly agent?: string;
	readonly keyTimeoutMs?: number;
	readonly redisConnectTimeoutMs?: number;
}

/** What the summarize strategy asks the cheap model to do. */
const summarizePromptInstruction =
	'You shorten prompts for large language models. Rewrite the prompt the user sends so it uses as few tokens as possible while keeping its meaning: keep every instruction, constraint, number, name, identifier, placeholder, code block and quoted string exactly as written; drop filler, repetition and politeness. Answer with the rewritten prompt only, no preface.';

function zeroUsd(catalog: FullPriceCatalog, model: string, tokens: number): number | null {
	const c = catalog.cost(model, { input: tokens, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 });
	return c.kind === 'priced' ? c.usd : null;
}

function providerLabel(p: ProviderId): string {
	return p === 'openai' ? 'OpenAI' : 'Anthropic';
}

/**
 * Live-call jobs for the engine worker (see `core/live/liveJobs.ts`). Keeps one {@link LiveRuntimes}
 * (ledger, caches, transports), one {@link AgentMetrics} for the Prometheus endpoint and one
 * {@link KeyBroker}; `dispose` closes them (for tests: the worker thread simply ends).
 */
export function createLiveJobHandlers(options: LiveJobHandlerOptions = {}): { readonly handlers: JobHandlers<LiveJobs>; readonly metrics: AgentMetrics; dispose(): Promise<void> } {
	const broker = new KeyBroker(options.keyTimeoutMs);
	const metrics = new AgentMetrics();
	const runtimes = new LiveRuntimes({ broker, metrics, agent: options.agent, redisConnectTimeoutMs: options.redisConnectTimeoutMs });
	let metricsServer: { port: number; tokenSha256: string | undefined; server: Promise<MetricsServer> } | undefined;
	const catalogs = new Map<string, FullPriceCatalog>();

	/** A catalog for offline jobs (Compress Prompt): no ledger or Redis needed. */
	const offlineCatalog = async (p: CompressPromptParams): Promise<FullPriceCatalog> => {
		const overrides = (await livePriceOverrides(p)).effective;
		const key = JSON.stringify(overrides);
		let c = catalogs.get(key);
		if (!c) {
			catalogs.clear();
			catalogs.set(key, (c = createPriceCatalog({ overrides })));
		}
		return c;
	};

	/**
	 * Runs `f` on the current runtime, inside a key channel of this job: opening a runtime may need
	 * a secret (the Redis password) and a call may need an API key, both asked from the host.
	 */
	const withRuntime = async <T>(p: Parameters<LiveRuntimes['acquire']>[0], ctx: { progress(r: KeyRequest): void }, f: (rt: LiveRuntime, channel: KeyChannel) => Promise<T>): Promise<T> => {
		const channel: KeyChannel = { post: r => ctx.progress(r), missing: new Set() };
		return broker.run(channel, async () => {
			const rt = await runtimes.acquire(p);
			try {
				return await f(rt, channel);
			} finally {
				rt.release();
			}
		});
	};

	/** Runs one live call and turns every expected outcome into a result. */
	const runCall = async (rt: LiveRuntime, p: LiveRunParams, ctx: JobContext<LiveRunProgress> | JobContext<KeyRequest>, channel: KeyChannel, stream: boolean): Promise<LiveRunResult> => {
		const runId = p.runId ?? `run-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
		const started = Date.now();
		rt.recorder.route(runId, p.paths.recordingsDir);
		const post = ctx.progress as (p: LiveRunProgress) => void;
		let plan: Plan | undefined;
		const common = async () => ({
			runId,
			status: await rt.engine.status(runId),
			recordingFile: rt.recorder.fileFor(runId, started) ?? join(p.paths.recordingsDir, liveRecordingFileName(dayKey(started, p.config.budget.timeZone))),
			explanation: plan?.explanation ?? [],
			budgetEvents: plan ? budgetEventsOf(plan.explanation) : [],
			latencyMs: Date.now() - started,
		});
		try {
			let r: LiveCallResult;
			try {
				r = await rt.live.run(
					{ runId, messages: p.messages, tools: p.tools, pinnedModel: p.pinnedModel, maxOutputTokens: p.maxOutputTokens, temperature: p.temperature, cache: p.cache, stream },
					{
						signal: ctx.signal,
						onPlan: pl => {
							plan = pl;
							if (stream)
								post({
									type: 'plan',
									model: pl.kind === 'call' ? pl.model : pl.response.model,
									tier: pl.kind === 'call' ? pl.tier : pl.routing.tier,
									cached: pl.kind === 'cached',
									...(pl.kind === 'call' && pl.downgradedFrom && { downgradedFrom: pl.downgradedFrom }),
									explanation: pl.explanation,
								});
						},
						onAttempt: a => stream && post({ type: 'attempt', model: a.model, retry: a.retry }),
						onChunk: c => stream && c.type === 'text' && c.text !== '' && post({ type: 'text', text: c.text }),
					},
				);
			} finally {
				// Answered or not, a completed provider call may have filled the cache.
				await rt.persist();
			}
			const answer: LiveAnswer = {
				kind: 'answered',
				...(await common()),
				source: r.source,
				model: r.model,
				...(r.provider && { provider: r.provider }),
				routedModel: r.plan.routing.model,
				tier: r.plan.kind === 'call' ? r.plan.tier : r.plan.routing.tier,
				...(r.plan.kind === 'call' && r.plan.downgradedFrom && { downgradedFrom: r.plan.downgradedFrom }),
				text: r.text,
				finishReason: r.finishReason,
				...(r.usage && { usage: r.usage }),
				...(r.costUsd !== undefined && { costUsd: r.costUsd }),
				...(r.costResult?.kind === 'priced' && r.costResult.unpricedFees && { unpricedFees: r.costResult.unpricedFees }),
				estimated: r.estimated,
				...(r.record.otherCharges && {
					otherCharges: r.record.otherCharges.map(c => ({ purpose: c.purpose ?? 'failedAttempt', model: c.model, ...(c.costUsd !== undefined && { costUsd: c.costUsd }), estimated: c.estimated })),
				}),
				attempts: r.attempts,
				...(r.recordError && { recordError: r.recordError }),
				latencyMs: r.latencyMs,
			};
			return answer;
		} catch (e) {
			if (BudgetExceededError.is(e)) {
				const refusal: LiveRefusal = {
					kind: 'refused',
					...(await common()),
					reason: e.reason,
					model: e.details.model,
					message: e.message,
					details: e.details,
					budgetEvents: [{ kind: 'refused', message: e.message }],
				};
				return refusal;
			}
			if (UnpricedModelError.is(e))
				return { kind: 'refused', ...(await common()), reason: 'unpriced', model: e.model, message: e.message, budgetEvents: [{ kind: 'refused', message: e.message }] } satisfies LiveRefusal;
			if (CancelledError.is(e) || ctx.signal.aborted) throw new CancelledError();
			if (FallbackExhaustedError.is(e) || ProviderError.is(e)) {
				const attempts: readonly AttemptRecord[] = FallbackExhaustedError.is(e) ? e.attempts : [];
				const last = [...attempts].reverse().find(a => a.outcome !== 'skipped' && a.outcome !== 'ok');
				const model = last?.model ?? (ProviderError.is(e) ? e.model : plan?.kind === 'call' ? plan.model : 'unknown');
				const provider = defaultProviderOf(model);
				const keyMissing = channel.missing.has(provider) ? provider : undefined;
				const reason = ProviderError.is(e) ? e.reason : e.reason === 'auth' ? 'auth' : (last?.outcome ?? 'exhausted');
				const message = keyMissing ? `No ${providerLabel(keyMissing)} API key is set (needed for ${model}).` : e.reason === 'auth' && last?.detail ? last.detail : e.message;
				const failure: LiveFailure = { kind: 'failed', ...(await common()), reason, model, provider, message, attempts, ...(keyMissing && { keyMissing }) };
				return failure;
			}
			throw e;
		} finally {
			rt.recorder.forget(runId);
		}
	};

	const handlers: JobHandlers<LiveJobs> = {
		async 'live/run'(p, ctx) {
			return withRuntime(p, ctx as JobContext<KeyRequest>, (rt, channel) => runCall(rt, p, ctx, channel, true));
		},
		'live/probe'(p, ctx) {
			return runProbeJob(p, ctx, withRuntime);
		},
		'live/credentialsChanged'() {
			runtimes.retireCurrent();
			return null;
		},
		'live/key'({ requestId, key }) {
			broker.answer(requestId, key);
			return null;
		},
		async 'live/status'(p, ctx) {
			return withRuntime(p, ctx as JobContext<KeyRequest>, rt => rt.engine.status(p.runId ?? 'status'));
		},
		async 'live/spend'(p, ctx) {
			return withRuntime(p, ctx as JobContext<KeyRequest>, async rt => {
				const tz = p.config.budget.timeZone;
				const day = dayKey(Date.now(), tz);
				const recordingFile = join(p.paths.recordingsDir, liveRecordingFileName(day));
				let recordingText: string | undefined;
				try {
					recordingText = await readFile(recordingFile, 'utf8');
				} catch (e) {
					if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
				}
				let ledgerRecords: unknown[] | undefined;
				if (rt.ledger) {
					try {
						ledgerRecords = readLedgerRecords(await readFile(rt.ledger.fileOf(day), 'utf8'));
					} catch (e) {
						if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
						ledgerRecords = [];
					}
				}
				return buildSpendReport({ day, timeZone: tz, recordingText, ...(recordingText !== undefined && { recordingFile }), ledgerRecords });
			});
		},
		async 'compress/prompt'(p, ctx): Promise<CompressPromptResult> {
			const catalog = await offlineCatalog(p);
			const req = { text: p.text, format: p.format, model: p.model, ...(p.range && { range: p.range }) };
			const preview = (r: PromptCompressionResult): CompressPreview => ({
				kind: 'compressed',
				strategy: p.strategy,
				text: r.text,
				model: p.model,
				tokensBefore: r.tokensBefore,
				tokensAfter: r.tokensAfter,
				exact: r.exact,
				usdBefore: zeroUsd(catalog, p.model, r.tokensBefore),
				usdAfter: zeroUsd(catalog, p.model, r.tokensAfter),
				changes: r.changes,
				verdict: r.verdict,
				...(r.note !== undefined && { note: r.note }),
				...(r.targetReached !== undefined && { targetReached: r.targetReached }),
			});
			if (p.strategy !== 'summarize') return preview(compressPromptFile(req, counter, p.strategy, p.targetRatio ?? 0.8));
			// The model rewrites prose: only a text prompt's body is one (front matter and role or JSON structure are not rewritten).
			const units = p.format === 'text' ? proseUnits(req) : undefined;
			if (!units || units.length !== 1 || units[0].text.trim() === '')
				throw new LiveJobError('notSummarizable', 'Summarize rewrites the body of a text prompt; use lossless or lossy for Prompty and chat files (their structure must stay).');
			const before = counter.countText(p.model, units[0].text);
			const result = await withRuntime(p, ctx, (rt, channel) =>
				runCall(
					rt,
					{
						config: p.config,
						paths: p.paths,
						pinnedModel: p.config.tiers.cheap,
						messages: [
							{ role: 'system', content: summarizePromptInstruction },
							{ role: 'user', content: units[0].text },
						],
						maxOutputTokens: Math.max(64, Math.min(p.config.defaults.maxOutputTokens, before.tokens)),
						temperature: 0,
					},
					ctx,
					channel,
					false,
				),
			);
			if (result.kind === 'refused') return { kind: 'refused', reason: result.reason, message: result.message, status: result.status };
			if (result.kind === 'failed') return { kind: 'failed', reason: result.reason, message: result.message, status: result.status, ...(result.keyMissing && { keyMissing: result.keyMissing }) };
			// Keep the body's own leading and trailing whitespace around the rewrite.
			const body = units[0].text;
			const rewritten = body.slice(0, body.length - body.trimStart().length) + result.text.trim() + body.slice(body.trimEnd().length);
			const outcome = compressionOutcome(req, counter, 'summarize', writeUnits(p.text, units, [rewritten]), new Map());
			return {
				...preview(outcome),
				summaryCall: {
					model: result.model,
					...(result.costUsd !== undefined && { costUsd: result.costUsd }),
					estimated: result.estimated,
					source: result.source,
					...(result.otherCharges && { otherCharges: result.otherCharges }),
				},
				status: result.status,
			};
		},
		async 'tokens/countExact'(p, ctx) {
			if (defaultProviderOf(p.model) !== 'anthropic')
				throw new LiveJobError('notClaude', `Exact counts come from Anthropic's countTokens API, which counts Claude models only; ${p.model} is not one.`);
			const transport = new AnthropicTransport({ secrets: broker.source, baseUrl: p.config.providers.anthropic.baseUrl, timeoutMs: p.config.defaults.toolCallTimeoutSeconds * 1000 });
			const channel: KeyChannel = { post: r => ctx.progress(r), missing: new Set() };
			const model = p.model.replace(/^anthropic\//i, '');
			const tokens = await broker.run(channel, () => transport.countInputTokens({ model, messages: p.messages, tools: p.tools }, ctx.signal));
			return { model: p.model, tokens, exact: true as const };
		},
		async 'metrics/configure'({ enabled, port, tokenSha256 }): Promise<MetricsEndpointState> {
			if (metricsServer && (!enabled || metricsServer.port !== port || metricsServer.tokenSha256 !== tokenSha256)) {
				const old = metricsServer;
				metricsServer = undefined;
				await old.server.then(
					s => s.close(),
					() => undefined,
				);
			}
			if (!enabled) return { enabled: false };
			if (!metricsServer) {
				const server = startMetricsServer({ port, render: () => metrics.render(), ...(tokenSha256 !== undefined && { tokenSha256 }) });
				metricsServer = { port, tokenSha256, server };
				server.catch(() => {
					if (metricsServer?.server === server) metricsServer = undefined;
				});
			}
			try {
				return { enabled: true, url: (await metricsServer.server).url, ...(tokenSha256 !== undefined && { tokenRequired: true }) };
			} catch (e) {
				return { enabled: true, error: describeError(e) };
			}
		},
	};
	return {
		handlers,
		metrics,
		async dispose() {
			await runtimes.dispose();
			if (metricsServer)
				await metricsServer.server.then(
					s => s.close(),
					() => undefined,
				);
			metricsServer = undefined;
		},
	};
}
