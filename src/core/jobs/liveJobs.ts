/**
 * The engine-worker jobs behind live, budgeted calls and Compress Prompt. The extension host stays
 * light: it sends the settings (a parsed {@link EngineConfig}) and storage folders with every job,
 * and answers the worker's {@link KeyRequest}s from SecretStorage — one key, for one provider, at
 * the moment a transport needs it (`live/key`). Keys are never part of job parameters, results,
 * progress payloads other than that answer, logs, cache keys or recordings.
 *
 * Expected outcomes (an answer, a budget refusal, a failed call) are RESULTS, not thrown errors, so
 * the host can show the numbers without reviving error classes across the thread boundary. Only
 * cancellation (`CancelledError`) and broken infrastructure (an unreachable Redis, a bad path) throw.
 */
import type { LiveBudgetEvent } from '../live/budgetEvents';
import type { BudgetExceededDetails } from '../budget/budgetErrors';
import type { BudgetStatus } from '../budget/budgetGuard';
import type { PromptChange, PromptCompressionResult } from '../compression/types';
import type { EngineConfig } from '../config/defaults';
import type { JobSpec } from './jobProtocol';
import type { PlanExplanation } from '../engine/policyEngine';
import type { PromptFormat } from '../prompts/promptGlobs';
import { EngineError } from '../lib/errors';
import type { UnpricedFee } from '../pricing/types';
import type { Usage } from '../pricing/usage';
import type { FinishReason, ProviderId, ProviderMessage } from '../ports/llmTransport';
import type { AttemptRecord } from '../routing/fallback';
import type { ToolDefinitionLike } from '../tokens/types';
import type { SpendReport } from '../live/spendReport';
import type { ProbeResult } from '../live/shadowProbe';
import type { ReplayScenario } from '../replay/scenario';

/** Where the worker keeps live-call state; chosen by the host (see `src/extension/live/livePaths.ts`). */
export interface LivePaths {
	/** The spend ledger (global storage: a daily budget spans every workspace and window). */
	readonly ledgerDir: string;
	/** Response-cache snapshots (workspace storage, global storage without a folder). */
	readonly cacheDir: string;
	/** Recordings of live calls: one `live-YYYY-MM-DD.agent-cost.jsonl` per budget day. */
	readonly recordingsDir: string;
	/** The workspace folder whose `agentCost.pricing.overridesFile` applies (none: settings only). */
	readonly workspaceDir?: string;
	/**
	 * SHA-256 of the workspace price file's content as the user confirmed it. The worker uses the
	 * file only while its content still has this hash; without it the file is ignored.
	 */
	readonly priceFileSha256?: string;
}

/** Every live job carries the current settings and folders: settings changes apply to the next job. */
export interface LiveJobContext {
	readonly config: EngineConfig;
	readonly paths: LivePaths;
}

/** A secret the worker may need: a provider's API key, or the password of the shared Redis store. */
export type SecretId = ProviderId | 'redis';

/** The worker asks the host for one secret; the host answers with `live/key`. */
export interface KeyRequest {
	readonly type: 'keyRequest';
	/** Which secret: a provider id, or `redis` (the password of `agentCost.store.redisUrl`). */
	readonly provider: SecretId;
	readonly requestId: string;
}

export type LiveRunProgress =
	| KeyRequest
	/** Routing, cache, compression and budget decisions, before any provider call. */
	| { readonly type: 'plan'; readonly model: string; readonly tier: string; readonly cached: boolean; readonly downgradedFrom?: string; readonly explanation: readonly PlanExplanation[] }
	/** A new attempt (retry or fallback): text streamed so far is void. */
	| { readonly type: 'attempt'; readonly model: string; readonly retry: number }
	/** Streamed answer text (appended to what came since the last `attempt`). */
	| { readonly type: 'text'; readonly text: string };

export interface LiveRunParams extends LiveJobContext {
	/** Budget run (default: a new run per job, i.e. per "Run Prompt File"). */
	readonly runId?: string;
	readonly messages: readonly ProviderMessage[];
	readonly tools?: readonly ToolDefinitionLike[];
	/** Call exactly this model (a prompt file that names its model); routing is skipped. */
	readonly pinnedModel?: string;
	readonly maxOutputTokens?: number;
	readonly temperature?: number;
	readonly cache?: 'use' | 'bypass';
}

interface LiveRunCommon {
	readonly runId: string;
	/** Budget status after the call (today's spend for the status bar). */
	readonly status: BudgetStatus;
	/** The recording file this call was appended to. */
	readonly recordingFile: string;
	readonly explanation: readonly PlanExplanation[];
	readonly budgetEvents: readonly LiveBudgetEvent[];
	readonly latencyMs: number;
}

export interface LiveAnswer extends LiveRunCommon {
	readonly kind: 'answered';
	readonly source: 'provider' | 'exactCache' | 'semanticCache';
	readonly model: string;
	readonly provider?: ProviderId;
	/** The model routing chose (before downgrades and fallbacks), its tier and the rules that fired. */
	readonly routedModel: string;
	readonly tier: string;
	readonly downgradedFrom?: string;
	readonly text: string;
	readonly finishReason: FinishReason;
	/** Charged usage; undefined for cache hits (they cost nothing). */
	readonly usage?: Usage;
	/** Undefined for cache hits and unpriced models. */
	readonly costUsd?: number;
	/** Server-tool uses (web search…) whose fee the price data does not know: `costUsd` excludes them. */
	readonly unpricedFees?: readonly UnpricedFee[];
	/** Usage or cost is an estimate (≈). */
	readonly estimated: boolean;
	/**
	 * Other provider calls this answer paid for, not in `costUsd`: the semantic cache's embedding
	 * (also on a cache hit), the history summary, failed attempts billed before a fallback answered.
	 */
	readonly otherCharges?: readonly { readonly purpose: 'embedding' | 'summary' | 'failedAttempt'; readonly model: string; readonly costUsd?: number; readonly estimated: boolean }[];
	readonly attempts: readonly AttemptRecord[];
	/** The call worked but could not be recorded (disk full…). */
	readonly recordError?: string;
}

export interface LiveRefusal extends LiveRunCommon {
	readonly kind: 'refused';
	/** Which limit refused it, or `unpriced` (no price: the budget cannot cover it). */
	readonly reason: 'run' | 'daily' | 'steps' | 'unpriced';
	readonly model: string;
	/** One sentence with the numbers (limit, spent, reserved, what the call could cost). */
	readonly message: string;
	readonly details?: BudgetExceededDetails;
}

export interface LiveFailure extends LiveRunCommon {
	readonly kind: 'failed';
	/** A provider error reason (`auth`, `rateLimit`, `timeout`…) or `exhausted`. */
	readonly reason: string;
	readonly model: string;
	/** The provider of `model` (where a rejected key belongs). */
	readonly provider: ProviderId;
	readonly message: string;
	readonly attempts: readonly AttemptRecord[];
	/** Set when a provider's key was not set at all: the UI offers "Set API Key…". */
	readonly keyMissing?: ProviderId;
}

export type LiveRunResult = LiveAnswer | LiveRefusal | LiveFailure;

/** Single-prompt strategies of Compress Prompt; `summarize` is a live call to the cheap tier. */
export type CompressPromptStrategy = 'lossless' | 'lossy' | 'summarize';

export interface CompressPromptParams extends LiveJobContext {
	readonly strategy: CompressPromptStrategy;
	/** The whole prompt file: savings are counted on the request it stands for. */
	readonly text: string;
	/** How the file is sent (`promptFormatOf(fileName)`). `summarize` takes `text` prompts only. */
	readonly format: PromptFormat;
	/** The selection to compress (offsets into `text`, `end` exclusive); the whole file when absent. */
	readonly range?: { readonly start: number; readonly end: number };
	/** The model whose tokenizer counts and whose input price gives the dollars. */
	readonly model: string;
	/** Lossy: aim for compressed/original tokens ≤ this (0 < r ≤ 1). @default 0.8 */
	readonly targetRatio?: number;
}

/** What the Compress Prompt preview shows. */
export interface CompressPreview {
	readonly kind: 'compressed';
	readonly strategy: CompressPromptStrategy;
	/** The replacement for the compressed range (the original when there is nothing to save). */
	readonly text: string;
	readonly model: string;
	/** Tokens the API receives for the whole file, before and after. */
	readonly tokensBefore: number;
	readonly tokensAfter: number;
	/** `saves` only when the request gets smaller; otherwise there is nothing to apply (see `note`). */
	readonly verdict: PromptCompressionResult['verdict'];
	/** Why there is nothing to save, or how the tokens were counted. */
	readonly note?: string;
	/** False when a count is an estimate (≈). */
	readonly exact: boolean;
	/** Input cost of the prompt before and after, USD; null when the model has no price. */
	readonly usdBefore: number | null;
	readonly usdAfter: number | null;
	readonly changes: readonly PromptChange[];
	readonly targetReached?: boolean;
	/** `summarize`: what the summary call cost (it is a real, budgeted, recorded call). */
	readonly summaryCall?: { readonly model: string; readonly costUsd?: number; readonly estimated: boolean; readonly source: LiveAnswer['source']; readonly otherCharges?: LiveAnswer['otherCharges'] };
	/** `summarize`: today's budget after the summary call. */
	readonly status?: BudgetStatus;
}

export type CompressPromptResult = CompressPreview | Pick<LiveRefusal, 'kind' | 'reason' | 'message' | 'status'> | Pick<LiveFailure, 'kind' | 'reason' | 'message' | 'keyMissing' | 'status'>;

interface ExactCountParams {
	readonly config: EngineConfig;
	readonly model: string;
	readonly messages: readonly ProviderMessage[];
	readonly tools?: readonly ToolDefinitionLike[];
}

/** The shadow probe of one replay scenario (see `core/live/shadowProbe.ts`). */
export interface ProbeParams extends LiveJobContext {
	/** The transcript file the scenario replays (imported again in the job). */
	readonly path: string;
	/** The model of a file that records none (as the replay used it). */
	readonly model?: string;
	readonly scenario: ReplayScenario;
	/** Steps to send at most. */
	readonly sample: number;
	/** The most the probe may spend, USD (every call's worst case is reserved against it first). */
	readonly maxUsd: number;
}

export type ProbeProgress = KeyRequest | { readonly type: 'probe'; readonly done: number; readonly total: number };

export interface MetricsEndpointState {
	readonly enabled: boolean;
	/** `http://127.0.0.1:<port>/metrics` while serving. */
	readonly url?: string;
	/** Why it is not serving although enabled (port in use…). */
	readonly error?: string;
	/** Scrapes must send `Authorization: Bearer <the metrics token>`. */
	readonly tokenRequired?: boolean;
}

/** The jobs the engine worker runs for live calls, the spend views and Compress Prompt. */
export interface LiveJobs {
	/** One routed, cached, compressed, budgeted, recorded call; streams its answer as progress. */
	readonly 'live/run': JobSpec<LiveRunParams, LiveRunProgress, LiveRunResult>;
	/** The host's answer to a {@link KeyRequest} (`key: null` when none is set). */
	readonly 'live/key': JobSpec<{ readonly requestId: string; readonly key: string | null }, never, null>;
	/** Today's budget status (status bar). */
	readonly 'live/status': JobSpec<LiveJobContext & { readonly runId?: string }, never, BudgetStatus>;
	/** Today's calls by model, cache hits and budget events (the Spend view). */
	readonly 'live/spend': JobSpec<LiveJobContext, never, SpendReport>;
	/** The Compress Prompt preview: tokens and dollars before → after. */
	readonly 'compress/prompt': JobSpec<CompressPromptParams, KeyRequest, CompressPromptResult>;
	/**
	 * Exact Claude prompt tokens from Anthropic's countTokens API (opt-in: it sends the prompt to
	 * Anthropic). Fails with a `ProviderError` (as `EngineJobError` with `original.name` 'ProviderError'
	 * and its reason) or `LiveJobError('notClaude')`.
	 */
	readonly 'tokens/countExact': JobSpec<ExactCountParams, KeyRequest, { readonly model: string; readonly tokens: number; readonly exact: true }>;
	/**
	 * The shadow probe: sampled steps of a replay scenario sent to its model through the live path,
	 * under a USD cap, compared with the recorded answers; recorded like any live call (run id
	 * `probe-…`). A scenario naming a model without a price fails with `LiveJobError('unknownModel')`.
	 */
	readonly 'live/probe': JobSpec<ProbeParams, ProbeProgress, ProbeResult & { readonly recordingFile: string }>;
	/** Starts, moves or stops the Prometheus endpoint (127.0.0.1 only). */
	/** A store credential changed (the Redis password): the next job reconnects with the new one. */
	readonly 'live/credentialsChanged': JobSpec<Record<string, never>, never, null>;
	/**
	 * `tokenSha256`: the SHA-256 (hex) of the bearer token scrapes must send (the token stays in the
	 * host's secret storage; only its digest crosses). Absent: no token required.
	 */
	readonly 'metrics/configure': JobSpec<{ readonly enabled: boolean; readonly port: number; readonly tokenSha256?: string }, never, MetricsEndpointState>;
}

/**
 * Live-call infrastructure that cannot work as configured: `storeUnavailable` (Redis unreachable —
 * never silently replaced by local files, which would split a shared budget), `notClaude` (exact
 * counts are for Claude models only), `unknownModel` (a probe's scenario names a model without a
 * price: the message names the closest ids).
 */
export class LiveJobError extends EngineError<'storeUnavailable' | 'notClaude' | 'notSummarizable' | 'unknownModel'> {
	readonly kind = 'liveJob';
	override readonly name = 'LiveJobError';
	static is(e: unknown, reason?: LiveJobError['reason']): e is LiveJobError {
		return e instanceof LiveJobError && (reason === undefined || e.reason === reason);
	}
}

/** Narrows any progress payload to a key request. */
export function isKeyRequest(p: unknown): p is KeyRequest {
	return typeof p === 'object' && p !== null && (p as KeyRequest).type === 'keyRequest' && typeof (p as KeyRequest).requestId === 'string';
}
