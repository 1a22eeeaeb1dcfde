import { SyncBudgetGuard } from '../budget/budgetGuard';
import { createOfflineEmbedder, normalizedCopy } from '../caching/embedder';
import { SemanticCache } from '../caching/semanticCache';
import type { CacheableParams } from '../caching/cacheKey';
import { canonicalJson } from '../lib/canonicalJson';
import { isObservation, isUserTurn, type EngineMessage } from '../compression/messages';
import { describeTrigger, estimateSummary } from '../compression/history';
import type { CompressionChange } from '../compression/types';
import { throwIfAborted } from '../lib/errors';
import { fastHash, mixHash } from '../lib/fastHash';
import { seededRandom } from '../ports/clock';
import type { CostResult } from '../pricing/types';
import { zeroUsage, type Usage } from '../pricing/usage';
import type { PlanExplanation, SideCall, StepContext, StepDecision, StepPrompt, SyncEffects } from '../policy/policyStep';
import { decisionRecord, policyStep, runStepSync, toolOutputLimit } from '../policy/policyStep';
import type { PolicyDecisionRecord } from '../transcripts/recording';
import type { CallRequest, LlmCall } from '../transcripts/model';
import type { ToolDefinitionLike } from '../tokens/types';
import type { RunSignals } from '../routing/escalation';
import type { RoutingDecision } from '../routing/router';
import { tierOf } from '../routing/router';
import type { PreparedCall, PreparedRun, PreparedSegment, PromptVersion } from './preparedRun';
import type { PromptCacheReason, PromptSegment } from './promptCacheSimulator';
import { PromptCacheSimulator } from './promptCacheSimulator';
import { promptCacheRulesAt, type CacheTtl } from './promptCacheRules';
import { RiskTracker } from './riskTracker';
import type { ReplayScenario } from './scenario';

/** What happened at one step of a replayed run. USD amounts are USD, not cents. */
export interface ReplayStep {
	/** 1-based step of the run. */
	readonly step: number;
	readonly callIndex: number;
	readonly thread: string;
	readonly recordedModel: string;
	readonly model: string;
	/** `recorded`: a side call of the recording kept as it was. */
	readonly tier?: RoutingDecision['tier'] | 'recorded';
	/** Why the model was chosen (routing rules, budget downgrades). */
	readonly routing: readonly string[];
	/** The policy step's decision in brief: the rules that fired (stable ids) and the budget's verdict. */
	readonly decision?: PolicyDecisionRecord;
	readonly usage: Usage;
	/** The recording's own usage of this step, when it was simulated although the recording has real numbers (`promptCache.fromStep`). */
	readonly recordedUsage?: Usage;
	/** True when `usage` is the recording's own (the scenario had not diverged yet). */
	readonly recorded: boolean;
	/** The output count is an estimate (another model would answer the same content). */
	readonly outputEstimated: boolean;
	readonly cache: PromptCacheReason | 'asRecorded' | 'responseCache' | 'off';
	/** Null when the model has no price (never a silent $0). */
	readonly costUsd: number | null;
	readonly cumulativeUsd: number;
	readonly baselineCostUsd: number | null;
	readonly baselineCumulativeUsd: number;
	readonly compression?: {
		readonly strategy: string;
		readonly trigger: string;
		readonly tokensBefore: number;
		readonly tokensAfter: number;
		/** The summary call's cost (summarize only). */
		readonly summaryUsd?: number;
	};
	readonly budget?: { readonly kind: 'warn' | 'downgrade' | 'overLimit'; readonly text: string };
	/** What this step risks besides its cost (present when it elided, needed or served something). */
	readonly risk?: StepRisk;
}

/** A step's share of the scenario's risk (see {@link ScenarioRisk}; absent fields are 0 / false). */
interface StepRisk {
	/** Observations the model stopped seeing whole at this step (masked, dropped, summarized away, truncated). */
	readonly observationsElided?: number;
	/** Elided observations this step's recorded answer referred to (a path, identifier or error message only they held). */
	readonly elidedReferenced?: number;
	/** Tokens of context removed at this step (history compression and tool-output truncation). */
	readonly contextTokensDropped?: number;
	/** Served by the response cache for a request that differed from the cached one (a semantic hit). */
	readonly semanticCacheHit?: boolean;
}

/**
 * What a scenario risks next to what it saves: plainly counted, never folded into one score. A
 * cheaper scenario is only better if these are acceptable for the run.
 */
export interface ScenarioRisk {
	/** Agent steps answered by another model than the recorded one. */
	readonly modelChangedSteps: number;
	/** Those steps by the tier of the model they moved to (`cheap`, `medium`, `expensive`; `other`: no configured tier). */
	readonly modelChangedTo: Readonly<Record<string, number>>;
	/** Recorded observations the model no longer saw whole (masked, dropped, summarized away or truncated), each counted once. */
	readonly observationsElided: number;
	/** Of those, how many a later step's recorded answer referred to — the run needed them. */
	readonly elidedReferencedLater: number;
	/** Tokens of context the scenario removed (each removal counted once, at the step it happened). */
	readonly contextTokensDropped: number;
	/** Response-cache hits served for a request that differed from the cached one (semantic hits). */
	readonly semanticCacheHits: number;
	/** The step the budget or step limit stopped the run at (null: it ran to the end). */
	readonly budgetStopStep: number | null;
}

export interface ScenarioResult {
	readonly name: string;
	readonly settings: ReplayScenario;
	/** What the run cost under this scenario, side calls included — null when a step has no price (never a silent $0; see `unpriced`). */
	readonly costUsd: number | null;
	/** The part of the cost that could be priced (what charts plot; equals `costUsd` when every step has a price). */
	readonly pricedCostUsd: number;
	/** Why the cost is unknown, when it is (the models without a price). */
	readonly unpriced?: string;
	readonly inputTokens: number;
	readonly outputTokens: number;
	readonly cacheReadTokens: number;
	readonly cacheWriteTokens: number;
	/** Steps that ran. */
	readonly steps: number;
	/** The step the budget or step limit refused (1-based), if any. */
	readonly stoppedAtStep: number | null;
	readonly stopReason?: string;
	readonly unpricedSteps: number;
	/** Some numbers are estimates (simulated cache, estimated output, ≈ token counts). */
	readonly estimated: boolean;
	/** What the scenario risks besides its cost. */
	readonly risk: ScenarioRisk;
	readonly perStep: readonly ReplayStep[];
	readonly notes: readonly string[];
}

export interface BaselineResult {
	/** Null when a call has no price (see `unpriced`). */
	readonly costUsd: number | null;
	readonly pricedCostUsd: number;
	readonly unpriced?: string;
	readonly inputTokens: number;
	readonly outputTokens: number;
	readonly cacheReadTokens: number;
	readonly steps: number;
	readonly unpricedSteps: number;
	readonly perStep: readonly { readonly step: number; readonly model: string; readonly inputTokens: number; readonly costUsd: number | null; readonly cumulativeUsd: number }[];
}

export interface SimulateOptions {
	readonly signal?: AbortSignal;
	/** Called every `progressEvery` steps with the steps done so far. */
	readonly onProgress?: (done: number, total: number) => void;
	readonly progressEvery?: number;
	/**
	 * Awaited at every progress point so a host event loop can deliver cancels and progress while a
	 * long replay runs (the engine worker passes `setImmediate`). Core cannot schedule this itself.
	 */
	readonly yieldToEventLoop?: () => Promise<void>;
	/**
	 * Hands over the prompt the scenario builds at these (1-based) steps, as it would be sent — for
	 * the shadow probe, which sends it to the scenario's model. Steps the scenario serves from the
	 * response cache or never reaches (a budget stop) are not handed over.
	 */
	readonly capture?: { readonly steps: ReadonlySet<number>; readonly onStep: (step: CapturedStep) => void };
}

/** A scenario's call at one step, as it would be sent (see {@link SimulateOptions.capture}). */
export interface CapturedStep {
	readonly step: number;
	readonly model: string;
	readonly tier: ReplayStep['tier'];
	/** The prompt's messages after the scenario's policies (compressed, masked, truncated). */
	readonly messages: readonly EngineMessage[];
	readonly tools?: readonly ToolDefinitionLike[];
	readonly maxOutputTokens: number;
	readonly temperature?: number;
	/** The recorded call at this step (its `output` is what the run answered). */
	readonly call: LlmCall;
}

/** How many messages at the start are system messages (a cache breakpoint goes after them and the tools). */
function leadingSystem(segs: readonly PreparedSegment[]): number {
	let n = 0;
	while (n < segs.length && (segs[n]!.message.role === 'system' || segs[n]!.message.role === 'developer')) n++;
	return n;
}

const usdOf = (r: CostResult | undefined): number | null => (r?.kind === 'priced' ? r.usd : null);

/** The run as recorded: its own usage priced with the catalog. */
export function baselineOf(run: PreparedRun): BaselineResult {
	let cum = 0;
	let input = 0;
	let output = 0;
	let read = 0;
	let unpriced = 0;
	const reasons = new Set<string>();
	const perStep = run.calls.map(c => {
		const usd = usdOf(c.recordedCost);
		if (usd === null) {
			unpriced++;
			reasons.add(unpricedReason(c.call.model, c.recordedCost));
		}
		cum += usd ?? 0;
		input += c.call.usage.input;
		output += c.call.usage.output;
		read += c.call.usage.cacheRead;
		return { step: c.step, model: c.call.model, inputTokens: c.call.usage.input, costUsd: usd, cumulativeUsd: cum };
	});
	return {
		costUsd: unpriced > 0 ? null : cum,
		pricedCostUsd: cum,
		...(unpriced > 0 && { unpriced: [...reasons].join('; ') }),
		inputTokens: input,
		outputTokens: output,
		cacheReadTokens: read,
		// A side call is not an agent step, and a refused request was never sent.
		steps: run.calls.filter(c => !c.call.purpose && c.call.status !== 'refused').length,
		unpricedSteps: unpriced,
		perStep,
	};
}

/** Why a call has no price, in words (a model the catalog does not know, or no model at all). */
function unpricedReason(model: string, cost: CostResult | undefined): string {
	if (!model) return 'calls that record no model cannot be priced';
	return cost?.kind === 'unpriced' ? `${model}: ${cost.reason}` : `${model} has no price`;
}

interface ThreadState {
	version: PreparedCall['version'] | undefined;
	/** Recorded messages represented so far. */
	recordedLen: number;
	/** What a compression left in place of recorded[0..replacedUpTo). */
	prefix: PreparedSegment[];
	replacedUpTo: number;
	/** The scenario's prompt (messages; the unrecorded system/tools part is added separately). */
	segs: PreparedSegment[];
	/** segs equals the recorded prompt exactly. */
	pristine: boolean;
	/** Bumped whenever segs is rebuilt rather than appended to. */
	epoch: number;
	/** Per model: the prompt's token sum and its segments as the cache model sees them (head first). */
	perModel: Map<string, { sum: number; cacheSegs: PromptSegment[] }>;
	hash: number;
	/** Unrecorded tokens (system prompt, tools) of the thread's first recorded call: the cache model's stable head. */
	head: number | undefined;
	/** Tool outputs truncated among the segments after `prefix`, and the tokens that saved. */
	truncated: number;
	truncatedSaved: number;
	/** Calls of this thread the cache model has seen, and whether the last one used extended thinking. */
	calls: number;
	thinking: boolean | undefined;
	/** The messages this step added include a real user turn. */
	newUserTurn: boolean;
	/** Escalate routing: the run's signals after the thread's previous step (each thread is a run or subtask). */
	signals?: RunSignals;
	/** Semantic cache: the running (un-normalized) embedding of the agent's recorded prompt, as far as `length`. */
	semantic?: { vector: Float32Array; lastWord: string | undefined; version: PromptVersion; length: number };
}

/** Rows of the recording's own side calls waiting for the agent step they were made for. */
interface PendingSide {
	readonly pc: PreparedCall;
	readonly baselineUsd: number | null;
	readonly baselineCum: number;
}

/**
 * A step's prompt as the policy step sees it. A class rather than a literal with a getter: one is
 * made per step of every scenario, and its messages are materialized only when a policy asks.
 */
class ReplayStepPrompt implements StepPrompt {
	/** The messages once materialized (the policy step may pass them back to `tokens`). */
	built: readonly EngineMessage[] | undefined;
	constructor(
		private readonly segs: readonly PreparedSegment[],
		readonly tokens: StepPrompt['tokens'],
		readonly complexity: StepPrompt['complexity'],
		readonly cacheKey: StepPrompt['cacheKey'],
		readonly toolOutputs: StepPrompt['toolOutputs'],
		readonly recent: NonNullable<StepPrompt['recent']>,
	) {}

	get messages(): readonly EngineMessage[] {
		return (this.built ??= this.segs.map(s => s.message));
	}
}

const callDates = new WeakMap<PreparedCall, Date>();
/** A timestamped call's date (one Date per call, not per step of every scenario). */
function dateOf(pc: PreparedCall): Date {
	let d = callDates.get(pc);
	if (!d) callDates.set(pc, (d = new Date(pc.atMs)));
	return d;
}

const noParams: CacheableParams = {};
const requestParamsMemo = new WeakMap<CallRequest, CacheableParams>();
/** The parameters a recorded request asked for (memoized: every scenario asks again at every step). */
function requestParams(r: CallRequest): CacheableParams {
	let p = requestParamsMemo.get(r);
	if (!p) {
		p = {
			...(r.maxOutputTokens !== undefined && { maxOutputTokens: r.maxOutputTokens }),
			...(r.temperature !== undefined && { temperature: r.temperature }),
		};
		requestParamsMemo.set(r, p);
	}
	return p;
}

/**
 * Replays a prepared run under one scenario. Every step is decided by THE policy step live calls
 * run (`policyStep`: routing, response cache, compression, budget), answered synchronously by a
 * simulated world: the response cache is a map keyed by the prompt's running hash, the budget an
 * in-memory ledger with the live guard's rules, summaries are estimated. The history is rebuilt step
 * by step as the agent would have sent it (new messages appended, a compression kept while the
 * recording's history still starts with what it replaced), and the provider's prompt cache is
 * modelled.
 *
 * Token units are calibrated to the recording: a step's input is the recorded input with the
 * visible prompt replaced by the scenario's (`hidden + k × visible`, where `hidden` is what the file
 * does not contain — system prompt, tools — and `k` corrects an over-counting estimator). Until the
 * scenario first differs from the recording, steps reuse the recorded usage exactly, so "no
 * changes" reproduces the recorded cost. Deterministic: same run and settings, same result.
 */
export async function simulateScenario(run: PreparedRun, settings: ReplayScenario, options: SimulateOptions = {}): Promise<ScenarioResult> {
	const catalog = run.options.catalog;
	const counter = run.counter;
	// The provider's caching rules on the day the run happened (minimums and lifetimes changed over time).
	const firstTimed = run.calls.find(c => c.timestamped);
	const rulesFor = promptCacheRulesAt(firstTimed ? new Date(firstTimed.atMs) : run.options.at);
	const cache = new PromptCacheSimulator(rulesFor);
	const responseCache = new Map<string, number>();
	const threads = new Map<string, ThreadState>();
	const lastOnModel = new Map<string, { thread: string; epoch: number; length: number }>();
	const notes = new Set<string>();
	const perStep: ReplayStep[] = [];
	const total = run.calls.length;
	const every = options.progressEvery ?? 50;
	const guard = new SyncBudgetGuard(catalog, settings.budget, seededRandom(1));
	const runId = 'replay';
	let spent = 0;
	let baselineCum = 0;
	let diverged = false;
	let stoppedAtStep: number | null = null;
	let stopReason: string | undefined;
	let unpriced = 0;
	let estimated = false;
	let input = 0;
	let output = 0;
	let read = 0;
	let write = 0;
	let warnedAt: number | undefined;
	const unpricedReasons = new Set<string>();
	// What the scenario's policies found to act on, to say why one that changed nothing did not.
	let truncatedOutputs = 0;
	let observations = 0;
	let largestObservation = 0;
	let compressions = 0;
	let cacheHits = 0;
	let largestPrompt = 0;
	let pending: PendingSide[] = [];
	// What the scenario risks (see ScenarioRisk): counted as the steps are decided.
	const risks = new RiskTracker(run);
	const changedTo: Record<string, number> = {};
	let modelChangedSteps = 0;
	let contextTokensDropped = 0;
	let semanticCacheHits = 0;
	let stepElided = 0;
	let stepDropped = 0;

	// Token sums and cache segments per model are kept up to date as the history grows, so a step
	// costs O(new messages), not O(history).
	const modelView = (t: ThreadState, model: string) => {
		let v = t.perModel.get(model);
		if (!v) {
			v = { sum: 0, cacheSegs: [{ key: `head:${t.head ?? 0}`, tokens: t.head ?? 0 }] };
			for (const seg of t.segs) {
				const n = run.tokensOf(seg, model);
				v.sum += n;
				v.cacheSegs.push({ key: seg.key, tokens: n });
			}
			t.perModel.set(model, v);
		}
		return v;
	};
	const push = (t: ThreadState, seg: PreparedSegment) => {
		t.segs.push(seg);
		for (const [model, v] of t.perModel) {
			const n = run.tokensOf(seg, model);
			v.sum += n;
			v.cacheSegs.push({ key: seg.key, tokens: n });
		}
		if (hashing) t.hash = mixHash(t.hash, seg.hash);
	};
	const rebuild = (t: ThreadState, segs: PreparedSegment[]) => {
		t.segs = [];
		t.perModel = new Map();
		t.hash = 0;
		t.epoch++;
		t.truncated = 0;
		t.truncatedSaved = 0;
		for (const s of segs) push(t, s);
	};
	// Files without timestamps: calls are `assumedStepGapSeconds` apart (the cache TTL depends on it).
	const untimed = run.calls.every(c => !c.timestamped);
	const atOf = (pc: PreparedCall) => (untimed ? (pc.step - 1) * settings.assumedStepGapSeconds * 1000 : pc.atMs);
	// Only the response cache needs a running hash of the prompt.
	const hashing = settings.cache.enabled;
	// The semantic cache, simulated with the offline embedder live calls use by default; the clock is
	// the transcript's (each step sets it), so its TTL runs on recorded time.
	const semanticOn = settings.cache.enabled && settings.cache.semanticEnabled;
	let simNow = 0;
	const embedder = semanticOn ? createOfflineEmbedder() : undefined;
	const semanticCache = embedder
		? new SemanticCache<number>({
				embedder,
				threshold: settings.cache.similarityThreshold,
				ttlMs: settings.cache.ttlSeconds * 1000,
				maxEntries: settings.cache.semanticMaxEntries,
				clock: { now: () => simNow },
			})
		: undefined;
	/**
	 * The embedding live calls would look up for this step: the agent's own messages (before any
	 * policy), system messages left out — kept up to date message by message, so a step costs
	 * O(its new messages).
	 */
	const semanticVectorOf = (t: ThreadState, pc: PreparedCall): Float32Array => {
		let sem = t.semantic;
		if (!sem || sem.version !== pc.version || sem.length > pc.length || pc.commonWithPrevious < sem.length) {
			sem = t.semantic = { vector: new Float32Array(embedder!.dims), lastWord: undefined, version: pc.version, length: 0 };
		}
		for (let k = sem.length; k < pc.length; k++) {
			const m = pc.version.segments[k]!.message;
			if (m.role !== 'system' && m.role !== 'developer') sem.lastWord = embedder!.addFeatures(sem.vector, `${m.role}: ${m.content}`, sem.lastWord);
		}
		sem.length = pc.length;
		return normalizedCopy(sem.vector);
	};
	const toolKeys = new WeakMap<object, number>();
	const toolsKey = (tools: readonly unknown[] | undefined): number => {
		if (!tools) return 0;
		let k = toolKeys.get(tools);
		if (k === undefined) toolKeys.set(tools, (k = fastHash(canonicalJson(tools))));
		return k;
	};
	const exactFor = new Map<string, boolean>();
	const isExact = (model: string) => {
		let e = exactFor.get(model);
		if (e === undefined) exactFor.set(model, (e = counter.countChat(model, []).exact));
		return e;
	};
	const paramsKeys = new Map<string, number>();
	// The policy step hands out one parameters object per settings and request parameters.
	const paramsByObject = new WeakMap<CacheableParams, number>();
	const paramsKey = (params: CacheableParams) => {
		const known = paramsByObject.get(params);
		if (known !== undefined) return known;
		// Almost every step has only scalar parameters: a fixed-order key, not a sorted JSON of them.
		const k =
			params.stop === undefined && params.responseFormat === undefined && params.toolChoice === undefined
				? `${params.temperature}|${params.topP}|${params.maxOutputTokens}|${params.seed}|${params.reasoningEffort}`
				: canonicalJson(params);
		let h = paramsKeys.get(k);
		if (h === undefined) paramsKeys.set(k, (h = fastHash(k)));
		paramsByObject.set(params, h);
		return h;
	};

	/** Charges a row at its recorded cost (a side call the scenario kept) and lists it. */
	const keepRecorded = (p: PendingSide) => {
		const call = p.pc.call;
		if (p.baselineUsd === null) {
			unpriced++;
			unpricedReasons.add(unpricedReason(call.model, p.pc.recordedCost));
		}
		spent += p.baselineUsd ?? 0;
		input += call.usage.input;
		output += call.usage.output;
		read += call.usage.cacheRead;
		write += call.usage.cacheWrite5m + call.usage.cacheWrite1h;
		// It was paid: the budget counts it like the live ledger did.
		const r = guard.tryReserve({ runId, model: call.model || settings.tiers.medium, inputTokens: 0, maxOutputTokens: 0, newStep: false, purpose: call.purpose ?? 'call' }, atOf(p.pc));
		if (r.ok) guard.settle(r.reservation, call.usage, atOf(p.pc));
		perStep.push({
			step: p.pc.step,
			callIndex: call.index,
			thread: p.pc.thread,
			recordedModel: call.model,
			model: call.model,
			tier: 'recorded',
			cumulativeUsd: spent,
			baselineCostUsd: p.baselineUsd,
			baselineCumulativeUsd: p.baselineCum,
			routing: [`the recording's own ${call.purpose} call, kept at its recorded cost`],
			usage: call.usage,
			recorded: true,
			outputEstimated: false,
			cache: 'asRecorded',
			costUsd: p.baselineUsd,
		});
	};
	/** The recording's side calls of a step: replaced by the scenario's own side calls of the same purpose, else kept. */
	const flushPending = (own: readonly SideCall[]) => {
		for (const p of pending) {
			if (own.some(c => c.purpose === p.pc.call.purpose)) notes.add(`the recording's own ${p.pc.call.purpose} calls are replaced by the scenario's`);
			else keepRecorded(p);
		}
		pending = [];
	};

	/**
	 * A thread whose first recorded call already READ from the cache started warm: a prompt with the
	 * same head (an agent's system prompt and tools, sent by an earlier session or a warm-up) was
	 * cached just before. The longest prefix within the recorded read is marked cached, as written at
	 * that size, so the simulation starts where the provider did.
	 */
	const prewarm = (model: string, segments: readonly PromptSegment[], scale: number, at: number, ttl: CacheTtl, read: number) => {
		// The prefix whose size is closest to what was read (a few tokens of framing may differ).
		let length = 0;
		let best = Infinity;
		let tokens = 0;
		for (let k = 0; k < segments.length; k++) {
			tokens += segments[k]!.tokens;
			const off = Math.abs(tokens * scale - read);
			if (off < best) {
				best = off;
				length = k + 1;
			}
			if (tokens * scale > read) break;
		}
		// The head is one segment (whatever the file does not show: system prompt, tools, reminders):
		// a read of most of it means the cached part was inside it.
		if (best > 0.05 * read && !(length === 1 && read >= 0.5 * segments[0]!.tokens * scale)) length = 0;
		if (length > 0) cache.prewarm({ model, segments, length, atMs: at - 1, ttlMs: rulesFor(model).ttlMs[ttl], billedTokens: read });
	};

	// Steps routed alike share their routing lines (routing decisions are memoized); never changed.
	const routingByDecision = new WeakMap<RoutingDecision, string[]>();
	const routingOf = (d: StepDecision): string[] => {
		// A budget downgrade adds its own line: those steps get their own array.
		if (d.kind === 'call' && d.budget.kind === 'downgrade') return routingLines(d.explanation);
		let lines = routingByDecision.get(d.routing);
		if (!lines) routingByDecision.set(d.routing, (lines = routingLines(d.explanation)));
		return lines;
	};

	// The policy step's context and effects, made once per scenario (a replay decides 100,000s of
	// steps: closures made per step were most of its garbage). They read the step being decided.
	let stepPc: PreparedCall | undefined;
	let stepThread: ThreadState | undefined;
	const stepContext: StepContext = {
		settings,
		counter,
		pricing: catalog,
		contextWindowOf: m => run.contextWindowOf(m),
		...(semanticCache && {
			semantic: {
				// What must match exactly (model, parameters, tools, system prompt); the text is
				// not built: the embedding is answered from the thread's running one.
				query: (model: string, params: CacheableParams) => {
					const pc = stepPc!;
					let system = 0;
					for (let k = 0; k < pc.length; k++) {
						const seg = pc.version.segments[k]!;
						if (seg.message.role === 'system' || seg.message.role === 'developer') system = mixHash(system, seg.hash);
					}
					return { partition: `${model}|${paramsKey(params)}|${toolsKey(pc.call.input?.tools)}|${system}`, text: '' };
				},
			},
		}),
	};
	const stepEffects: SyncEffects = {
		cacheGet: ({ key }) => {
			const until = responseCache.get(key);
			return until !== undefined && until >= simNow ? { source: 'exact', response: undefined, ageMs: 0 } : undefined;
		},
		embed: () => semanticVectorOf(stepThread!, stepPc!),
		semanticGet: ({ partition, vector }) => {
			const hit = semanticCache?.lookupVector(partition, vector);
			return hit ? { source: 'semantic', response: hit.value, ageMs: hit.ageMs, similarity: hit.similarity } : undefined;
		},
		budgetStatus: ({ runId: r }) => guard.status(r, simNow),
		reserve: ({ input: ri }) => guard.tryReserve(ri, simNow),
		settle: ({ reservation, usage }) => guard.settle(reservation, usage, simNow),
		release: ({ reservation }) => {
			guard.release(reservation, simNow);
			return undefined;
		},
		summarize: r => estimateSummary(r),
	};

	for (let i = 0; i < total; i++) {
		if (i % every === 0 && i > 0) {
			if (options.yieldToEventLoop) await options.yieldToEventLoop();
			throwIfAborted(options.signal);
			options.onProgress?.(i, total);
		} else if (i === 0) {
			throwIfAborted(options.signal);
		}
		const pc = run.calls[i]!;
		const call = pc.call;
		const baselineUsd = usdOf(pc.recordedCost);
		baselineCum += baselineUsd ?? 0;

		// A side call of the recording's own policies (history summary, semantic-cache embedding): not
		// an agent step. It waits for the step it was made for, whose decision says whether the
		// scenario made its own instead.
		if (call.purpose !== undefined) {
			pending.push({ pc, baselineUsd, baselineCum });
			continue;
		}

		// 1. The thread's history as the agent would have it now (tool outputs cut as they arrive).
		let t = threads.get(pc.thread);
		if (!t) {
			t = {
				version: undefined,
				recordedLen: 0,
				prefix: [],
				replacedUpTo: 0,
				segs: [],
				pristine: true,
				epoch: 0,
				perModel: new Map(),
				hash: 0,
				head: undefined,
				truncated: 0,
				truncatedSaved: 0,
				calls: 0,
				thinking: undefined,
				newUserTurn: false,
			};
			threads.set(pc.thread, t);
		}
		stepElided = 0;
		stepDropped = 0;
		const limit = toolOutputLimit(settings, call.request?.model ?? (call.model || undefined));
		const transform = (seg: PreparedSegment): PreparedSegment => {
			if (!limit) return seg;
			const cut = run.truncatedToolOutput(seg, limit.maxTokens, limit.model);
			if (isObservation(seg.message)) {
				observations++;
				largestObservation = Math.max(largestObservation, run.tokensOf(seg, limit.model));
			}
			if (cut !== seg) {
				truncatedOutputs++;
				const saved = run.tokensOf(seg, limit.model) - run.tokensOf(cut, limit.model);
				t!.truncated++;
				t!.truncatedSaved += saved;
				stepDropped += saved;
				stepElided += risks.shortened(pc.thread, seg.message, cut.message);
			}
			return cut;
		};
		t.newUserTurn = false;
		// The agent's own messages new at this step (what escalation routing reads its signals from).
		const appending = t.version === pc.version && pc.commonWithPrevious >= t.recordedLen;
		const recentFrom = appending ? t.recordedLen : pc.commonWithPrevious;
		if (appending) {
			for (let k = t.recordedLen; k < pc.length; k++) {
				const seg = pc.version.segments[k]!;
				if (isUserTurn(seg.message)) t.newUserTurn = true;
				const s = transform(seg);
				if (s !== seg) t.pristine = false;
				push(t, s);
			}
		} else {
			// The recording itself rewrote the history (its own compaction, a new prompt): keep our
			// compression only if the rewrite left the part it replaced alone.
			const keep = t.replacedUpTo > 0 && pc.commonWithPrevious >= t.replacedUpTo;
			const from = keep ? t.replacedUpTo : 0;
			if (!keep) {
				t.prefix = [];
				t.replacedUpTo = 0;
				risks.reset(pc.thread);
			}
			rebuild(t, [...t.prefix]);
			let pristine = !keep;
			t.newUserTurn = true;
			for (let k = from; k < pc.length; k++) {
				const seg = pc.version.segments[k]!;
				const s = transform(seg);
				if (s !== seg) pristine = false;
				push(t, s);
			}
			t.pristine = pristine;
		}
		t.version = pc.version;
		t.recordedLen = pc.length;

		// Calibration of this step (see the function comment).
		const recordedModel = call.model;
		// The recorded usage belongs to the prompt that was sent: the recorded `sent` one when the
		// recording product's own policies changed the agent's.
		const sentTokens = (model: string) => (pc.sent ? run.sentPromptTokens(pc, model) : run.recordedPromptTokens(pc, model));
		const visibleRecorded = recordedModel ? sentTokens(recordedModel) : 0;
		const recordedInput = call.usage.input;
		// A refused call or a cache hit sent nothing: its zero usage says nothing about its prompt,
		// which then counts as the thread's head plus its messages.
		const measured = call.status !== 'refused' && !call.servedFrom;
		const hidden = measured ? Math.max(0, recordedInput - visibleRecorded) : (t.head ?? 0);
		const k = measured && visibleRecorded > recordedInput && visibleRecorded > 0 ? recordedInput / visibleRecorded : 1;
		if (t.head === undefined) {
			// The stable unrecorded head (system prompt, tools) is fixed at the thread's first call.
			t.head = hidden;
			t.perModel = new Map();
		}
		const th = t;
		const calibrated = (model: string, visible: number): number => {
			if (!recordedModel) return visible;
			const ratio = model === recordedModel || visibleRecorded === 0 ? 1 : sentTokens(model) / visibleRecorded;
			return Math.max(0, Math.round(hidden * ratio + k * visible));
		};
		const scenarioInput = (model: string): number => calibrated(model, modelView(th, model).sum);
		const prompt: ReplayStepPrompt = new ReplayStepPrompt(
			th.segs,
			(model, msgs) => {
				if (msgs === undefined || msgs === prompt.built) return { tokens: scenarioInput(model), exact: isExact(model) };
				let visible = 0;
				for (const m of msgs) visible += run.tokensOf(run.segmentOf(m), model);
				return { tokens: calibrated(model, visible), exact: isExact(model) };
			},
			() => run.complexityOf(pc, settings.tiers.medium, calibrated(settings.tiers.medium, run.recordedPromptTokens(pc, settings.tiers.medium))),
			(model, params) => `${model}|${paramsKey(params)}|${th.hash}|${th.segs.length}|${th.head}`,
			th.truncated > 0 ? { truncated: th.truncated, savedTokens: th.truncatedSaved } : undefined,
			() => pc.version.segments.slice(recentFrom, pc.length).map(s => s.message),
		);

		// 2. THE policy step, answered by the simulated world.
		const at = atOf(pc);
		simNow = at;
		stepPc = pc;
		stepThread = th;
		const decision = runStepSync(
			policyStep(
				{
					runId,
					prompt,
					// What the agent asked for when the recording kept it (our own recordings), else the recorded model.
					requestedModel: call.request?.model ?? (recordedModel || undefined),
					pinned: call.request?.pinned === true,
					params: call.request ? requestParams(call.request) : noParams,
					step: { index: pc.stepInThread },
					// Plain properties (undefined when absent): this literal is built at every step.
					tools: call.input?.tools,
					run: t.signals,
				},
				stepContext,
			),
			stepEffects,
		);
		if (decision.run) t.signals = decision.run;
		const routing = routingOf(decision);
		const summary = decisionRecord(decision);
		let sideUsd = 0;
		for (const c of decision.sideCalls) {
			if (c.cost?.kind === 'priced') sideUsd += c.cost.usd;
			else {
				notes.add(`${c.purpose} model ${c.model} has no price`);
				unpriced++;
				unpricedReasons.add(unpricedReason(c.model, c.cost));
			}
			estimated = true;
		}
		flushPending(decision.sideCalls);
		spent += sideUsd;
		const model = decision.kind === 'call' ? decision.model : decision.routing.model;
		const tier = decision.kind === 'call' ? decision.tier : decision.routing.tier;

		if (decision.kind === 'refused') {
			stoppedAtStep = pc.step;
			stopReason = decision.budget.error.message;
			break;
		}
		if (decision.kind === 'cached') cacheHits++;
		if (decision.kind === 'cached') {
			// A hit where the recording had one too changes nothing; anywhere else the run departs from it.
			if (!call.servedFrom) diverged = true;
			const semanticHit = decision.hit.source === 'semantic';
			if (semanticHit) semanticCacheHits++;
			const risk = stepRisk(stepElided, risks.references(pc.thread, i, pc), stepDropped, semanticHit);
			contextTokensDropped += stepDropped;
			perStep.push({
				step: pc.step,
				callIndex: call.index,
				thread: pc.thread,
				recordedModel,
				model,
				tier,
				cumulativeUsd: spent,
				baselineCostUsd: baselineUsd,
				baselineCumulativeUsd: baselineCum,
				routing: [
					...routing,
					semanticHit
						? `served by the semantic cache: a similar, not identical, request (cosine ${(decision.hit.similarity ?? 1).toFixed(3)}) answered at step ${String(decision.hit.response)}`
						: 'served by the response cache (identical request within its TTL)',
				],
				decision: summary,
				usage: zeroUsage,
				recorded: false,
				outputEstimated: false,
				cache: 'responseCache',
				costUsd: 0,
				...(risk && { risk }),
			});
			continue;
		}
		// The prompt the compression trigger saw, before the thread takes the compressed history.
		const tokensBefore = decision.compression ? scenarioInput(decision.routing.model) : 0;
		if (decision.compression) compressions++;
		if (decision.compression) {
			stepElided += risks.removed(pc.thread, removedBy(decision.compression.changes, t.segs));
			const segs = decision.compression.messages.map(m => run.segmentOf(m));
			t.prefix = segs;
			t.replacedUpTo = t.recordedLen;
			rebuild(t, segs);
			t.pristine = false;
		}
		if (decision.warnings.some(w => w.kind === 'threshold')) warnedAt ??= pc.step;
		for (const w of decision.warnings)
			if (w.kind === 'overLimit' && w.scope === 'steps') notes.add(`step limit ${settings.budget.maxSteps} passed at step ${pc.step} (warn-only policy: the run went on)`);

		if (options.capture?.steps.has(pc.step)) {
			options.capture.onStep({
				step: pc.step,
				model,
				tier,
				messages: decision.messages,
				...(call.input?.tools && { tools: call.input.tools }),
				maxOutputTokens: decision.maxOutputTokens,
				...(decision.params.temperature !== undefined && { temperature: decision.params.temperature }),
				call,
			});
		}

		// 3. The call itself: recorded numbers while nothing differs, the simulation afterwards.
		// Identical to what was recorded: the agent's prompt unchanged — or, for a recording whose own
		// policies rewrote it, the same rewrite (a replay under the settings it was recorded with).
		const samePrompt = pc.sent ? sameContent(t.segs, pc.sent.contentKeys, run) : t.pristine;
		// The scenario still does what the recording did; a call with recorded usage then keeps it,
		// a counted call (no recorded usage) is simulated without ending the recording's run.
		const fromStep = settings.promptCache.fromStep;
		const asRecorded = !diverged && samePrompt && model === recordedModel && settings.promptCache.mode === 'simulate' && !(fromStep > 0 && pc.step >= fromStep);
		const identical = asRecorded && pc.anchorable;
		const ttl = settings.promptCache.ttl === 'asRecorded' ? pc.recordedTtl : settings.promptCache.ttl;
		let usage: Usage;
		let cacheReason: ReplayStep['cache'];
		const inputTokens = model ? scenarioInput(model) : recordedInput;
		largestPrompt = Math.max(largestPrompt, inputTokens);
		if (settings.promptCache.mode === 'simulate' && model) {
			const view = modelView(t, model);
			const segments = view.cacheSegs;
			const head = 1 + leadingSystem(t.segs);
			// The simulation counts segments; the step is billed in calibrated tokens: entries remember
			// the billed size they were written with, so a hit reads what the earlier call wrote.
			const structural = (t.head ?? 0) + view.sum;
			const scale = structural > 0 ? inputTokens / structural : 1;
			// Extended thinking turned on or off drops the cached messages (not the system prompt and tools).
			// A call that thinks shows it is on; it stays on for the rest of the user's turn (an agent
			// enables it per turn) even where the model chose not to think.
			const thinking = call.output?.reasoning !== undefined || (t.thinking === true && !t.newUserTurn);
			if (t.thinking !== undefined && t.thinking !== thinking) t.epoch++;
			t.thinking = thinking;
			if (t.calls === 0 && model === recordedModel && pc.anchorable && call.usage.cacheRead > 0) prewarm(model, segments, scale, at, ttl, call.usage.cacheRead);
			t.calls++;
			const last = lastOnModel.get(model);
			const outcome = cache.request({
				model,
				segments,
				atMs: at,
				ttl,
				scale,
				...(thinking && { variant: { key: 'thinking', from: head } }),
				breakpoints: settings.promptCache.systemBreakpoint ? [head, segments.length] : [segments.length],
				unchangedPrefix: last && last.thread === pc.thread && last.epoch === t.epoch ? Math.min(last.length, segments.length) : undefined,
			});
			lastOnModel.set(model, { thread: pc.thread, epoch: t.epoch, length: segments.length });
			if (identical) {
				usage = call.usage;
				cacheReason = 'asRecorded';
			} else {
				const cacheRead = Math.min(inputTokens, Math.round(outcome.cacheRead));
				const w5 = Math.min(inputTokens - cacheRead, Math.round(outcome.cacheWrite5m));
				const w1 = Math.min(inputTokens - cacheRead - w5, Math.round(outcome.cacheWrite1h));
				const out = run.outputTokensFor(pc, model);
				usage = {
					input: inputTokens,
					cacheRead,
					cacheWrite5m: w5,
					cacheWrite1h: w1,
					output: out,
					reasoning: Math.min(out, Math.round(call.usage.reasoning * (call.usage.output > 0 ? out / call.usage.output : 1))),
				};
				cacheReason = outcome.reason;
			}
		} else {
			const out = model ? run.outputTokensFor(pc, model) : call.usage.output;
			usage = { input: inputTokens, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: out, reasoning: Math.min(out, call.usage.reasoning) };
			cacheReason = 'off';
		}
		if (!identical) {
			if (!asRecorded) diverged = true;
			estimated = true;
		}
		if (decision.cacheKey !== '') responseCache.set(decision.cacheKey, at + settings.cache.ttlSeconds * 1000);
		if (semanticCache && decision.semantic) semanticCache.storeVector(decision.semantic.partition, decision.semantic.vector, pc.step);

		let priced: CostResult | undefined;
		if (model) {
			const priceAt = pc.timestamped ? dateOf(pc) : run.options.at;
			priced = identical && pc.recordedCost ? pc.recordedCost : catalog.cost(model, usage, priceAt ? { at: priceAt } : {});
			if (priced.kind === 'unpriced') {
				notes.add(`${model}: ${priced.reason} — ${priced.hint}`);
				unpricedReasons.add(unpricedReason(model, priced));
			}
		} else {
			notes.add('some calls record no model and cannot be priced');
			unpricedReasons.add(unpricedReason('', undefined));
		}
		const cost = usdOf(priced);
		// The live engine settles the reservation with the provider's usage; the replay with its own.
		guard.settleCost(decision.reservation, priced, at);
		if (cost === null) unpriced++;
		spent += cost ?? 0;
		input += usage.input;
		output += usage.output;
		read += usage.cacheRead;
		write += usage.cacheWrite5m + usage.cacheWrite1h;
		const compression: ReplayStep['compression'] = decision.compression && {
			strategy: decision.compression.strategy,
			trigger: decision.trigger ? describeTrigger(decision.trigger) : '',
			tokensBefore,
			tokensAfter: scenarioInput(decision.routing.model),
			...(decision.sideCalls.some(c => c.purpose === 'summary') && { summaryUsd: sideUsd }),
		};
		if (compression) stepDropped += Math.max(0, compression.tokensBefore - compression.tokensAfter);
		contextTokensDropped += stepDropped;
		if (recordedModel && model !== recordedModel) {
			modelChangedSteps++;
			const to = tierOf(model, settings.tiers) ?? 'other';
			changedTo[to] = (changedTo[to] ?? 0) + 1;
		}
		const risk = stepRisk(stepElided, risks.references(pc.thread, i, pc), stepDropped, false);
		const budgetEvent = budgetEventOf(decision, warnedAt === pc.step);
		// Step rows are written out field by field on purpose: building them by spreading a shared
		// helper's object made 100-scenario replays twice as slow (bench/results/replay.md).
		perStep.push({
			step: pc.step,
			callIndex: call.index,
			thread: pc.thread,
			recordedModel,
			model,
			tier,
			cumulativeUsd: spent,
			baselineCostUsd: baselineUsd,
			baselineCumulativeUsd: baselineCum,
			routing,
			decision: summary,
			usage,
			...(!identical && pc.anchorable && fromStep > 0 && pc.step >= fromStep && { recordedUsage: call.usage }),
			recorded: identical,
			outputEstimated: model !== recordedModel,
			cache: cacheReason,
			costUsd: cost,
			...(compression && { compression }),
			...(budgetEvent && { budget: budgetEvent }),
			...(risk && { risk }),
		});
	}
	if (stoppedAtStep === null) flushPending([]);
	options.onProgress?.(perStep.length, total);
	// A setting that changed nothing says why, so "+0.0 %" is never a silent mystery.
	const c = settings.compression;
	if (c.toolResponseMaxTokens > 0 && truncatedOutputs === 0) {
		notes.add(
			observations === 0
				? `tool outputs ≤ ${c.toolResponseMaxTokens} tokens changed nothing: this run has no tool outputs (observations) the format marks`
				: `tool outputs ≤ ${c.toolResponseMaxTokens} tokens changed nothing: the longest of ${observations} observation(s) is ${largestObservation.toLocaleString('en-US')} tokens`,
		);
	}
	if (c.strategy === 'observationMask') {
		// Masking's trade in one line: input tokens saved against cache reads lost, both vs the recording.
		let recordedInput = 0;
		let recordedRead = 0;
		for (const pc of run.calls) {
			if (pc.call.purpose !== undefined || (stoppedAtStep !== null && pc.step >= stoppedAtStep)) continue;
			recordedInput += pc.call.usage.input;
			recordedRead += pc.call.usage.cacheRead;
		}
		const signed = (n: number) => `${n > 0 ? '+' : n < 0 ? '−' : '±'}${Math.abs(n).toLocaleString('en-US')}`;
		notes.add(
			compressions === 0
				? `observation masking never masked anything: no batch step (every ${c.maskEverySteps} steps) had more than ${c.keepObservations} observations whole`
				: `observation masking rewrote the prompt at ${compressions} step(s) (a batch every ${c.maskEverySteps} steps, the last ${c.keepObservations} observations kept whole): input ${signed(input - recordedInput)} tokens, cache reads ${signed(read - recordedRead)} tokens against the recording`,
		);
	} else if (c.strategy !== 'none' && compressions === 0 && stoppedAtStep === null) {
		notes.add(
			`${c.strategy} never fired: the largest prompt was ${largestPrompt.toLocaleString('en-US')} tokens (trigger: over ${c.maxTokensBeforeCompression.toLocaleString('en-US')} tokens, ${Math.round(c.contextWindowTriggerRatio * 100)}% of the context window${c.triggerSteps > 0 ? `, or every ${c.triggerSteps} steps` : ''})`,
		);
	}
	if (settings.cache.enabled && cacheHits === 0 && !run.calls.some(x => x.call.servedFrom)) notes.add('the response cache answered nothing: no request was repeated identically within its TTL');
	if (untimed) notes.add(`calls without timestamps are assumed ${settings.assumedStepGapSeconds} s apart for cache expiry`);
	if (run.calls.some(c => !c.anchorable)) notes.add('this run has counted (not recorded) usage: cache effects are simulated for every step');
	return {
		name: settings.name,
		settings,
		costUsd: unpriced > 0 ? null : spent,
		pricedCostUsd: spent,
		...(unpriced > 0 && { unpriced: [...unpricedReasons].join('; ') }),
		inputTokens: input,
		outputTokens: output,
		cacheReadTokens: read,
		cacheWriteTokens: write,
		steps: perStep.filter(r => r.tier !== 'recorded').length,
		stoppedAtStep,
		...(stopReason && { stopReason }),
		unpricedSteps: unpriced,
		estimated,
		risk: {
			modelChangedSteps,
			modelChangedTo: changedTo,
			observationsElided: risks.observationsElided,
			elidedReferencedLater: risks.referencedLater,
			contextTokensDropped,
			semanticCacheHits,
			budgetStopStep: stoppedAtStep,
		},
		perStep,
		notes: [...notes],
	};
}

/** A step's risk, or undefined when it risked nothing (most steps: rows stay small). */
function stepRisk(elided: number, referenced: number, dropped: number, semanticHit: boolean): StepRisk | undefined {
	if (elided === 0 && referenced === 0 && dropped === 0 && !semanticHit) return undefined;
	return {
		...(elided > 0 && { observationsElided: elided }),
		...(referenced > 0 && { elidedReferenced: referenced }),
		...(dropped > 0 && { contextTokensDropped: dropped }),
		...(semanticHit && { semanticCacheHit: true }),
	};
}

/** The messages of the compression's input (`segs`) that its changes removed (dropped runs, masked observations). */
function removedBy(changes: readonly CompressionChange[], segs: readonly PreparedSegment[]): EngineMessage[] {
	const out: EngineMessage[] = [];
	for (const c of changes) {
		if (c.kind === 'dropped') for (let k = c.from; k < c.to; k++) out.push(segs[k]!.message);
		else if (c.kind === 'masked') out.push(segs[c.index]!.message);
	}
	return out;
}

function sameContent(segs: readonly PreparedSegment[], keys: readonly number[], run: PreparedRun): boolean {
	if (segs.length !== keys.length) return false;
	for (let i = 0; i < segs.length; i++) if (run.contentKeyOf(segs[i]!.message) !== keys[i]) return false;
	return true;
}

/** The step table's "why": routing rules and budget downgrades, in the step's own words. */
function routingLines(explanation: readonly PlanExplanation[]): string[] {
	const out: string[] = [];
	for (const e of explanation) if ((e.stage === 'routing' && e.rule !== 'route.model') || e.rule === 'budget.downgraded') out.push(e.text);
	return out;
}

/** The budget column of a step: a downgrade, a call over a limit (warn-only), or the first threshold warning. */
function budgetEventOf(d: Extract<StepDecision, { kind: 'call' }>, firstWarning: boolean): ReplayStep['budget'] {
	const text = (rule: string) => d.explanation.find(e => e.rule === rule)?.text ?? '';
	if (d.budget.kind === 'downgrade') return { kind: 'downgrade', text: text('budget.downgraded') };
	if (d.warnings.some(w => w.kind === 'overLimit')) return { kind: 'overLimit', text: text('budget.overLimit') };
	if (firstWarning) return { kind: 'warn', text: text('budget.threshold') };
	return undefined;
}
