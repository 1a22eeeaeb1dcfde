import type { EngineMessage } from '../compression/messages';
import { compressHistory, compressionTrigger, describeTrigger, estimatingSummarizer } from '../compression/history';
import { worstCaseCost } from '../budget/budgetGuard';
import { throwIfAborted } from '../lib/errors';
import { mixHash } from '../lib/fastHash';
import type { CostResult } from '../pricing/types';
import type { Usage } from '../pricing/usage';
import type { Tier } from '../routing/classifier';
import { tierOrder } from '../routing/classifier';
import type { PreparedCall, PreparedRun, PreparedSegment } from './preparedRun';
import type { PromptCacheReason, PromptSegment } from './promptCacheSimulator';
import { PromptCacheSimulator } from './promptCacheSimulator';
import type { ReplaySettings } from './replaySettings';

/** What happened at one step of a replayed run. USD amounts are USD, not cents. */
export interface ReplayStep {
	/** 1-based step of the run. */
	readonly step: number;
	readonly callIndex: number;
	readonly thread: string;
	readonly recordedModel: string;
	readonly model: string;
	readonly tier?: Tier | 'recorded' | 'fixed';
	/** Why the model was chosen (routing rules, budget downgrades). */
	readonly routing: readonly string[];
	readonly usage: Usage;
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
}

export interface ScenarioResult {
	readonly name: string;
	readonly settings: ReplaySettings;
	/** Sum over the steps that ran and could be priced, incl. summary calls. */
	readonly costUsd: number;
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
	readonly perStep: readonly ReplayStep[];
	readonly notes: readonly string[];
}

export interface BaselineResult {
	readonly costUsd: number;
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
}

/** How many messages at the start are system messages (a cache breakpoint goes after them and the tools). */
function leadingSystem(segs: readonly PreparedSegment[]): number {
	let n = 0;
	while (n < segs.length && (segs[n].message.role === 'system' || segs[n].message.role === 'developer')) n++;
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
	const perStep = run.calls.map(c => {
		const usd = usdOf(c.recordedCost);
		if (usd === null) unpriced++;
		cum += usd ?? 0;
		input += c.call.usage.input;
		output += c.call.usage.output;
		read += c.call.usage.cacheRead;
		return { step: c.step, model: c.call.model, inputTokens: c.call.usage.input, costUsd: usd, cumulativeUsd: cum };
	});
	return { costUsd: cum, inputTokens: input, outputTokens: output, cacheReadTokens: read, steps: run.calls.filter(c => !c.call.purpose).length, unpricedSteps: unpriced, perStep };
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
}

/**
 * Replays a prepared run under one scenario: the history is rebuilt step by step as the agent would
 * have sent it (new messages appended, compressed when a trigger fires, tool outputs truncated),
 * the router picks each step's model, the response cache and the provider's prompt cache are
 * modelled, and the budget reserves each call's worst case like the live engine does.
 *
 * Token units are calibrated to the recording: a step's input is the recorded input with the
 * visible prompt replaced by the scenario's (`hidden + k × visible`, where `hidden` is what the file
 * does not contain — system prompt, tools — and `k` corrects an over-counting estimator). Until the
 * scenario first differs from the recording, steps reuse the recorded usage exactly, so "no
 * changes" reproduces the recorded cost. Deterministic: same run and settings, same result.
 */
export async function simulateScenario(run: PreparedRun, settings: ReplaySettings, options: SimulateOptions = {}): Promise<ScenarioResult> {
	const catalog = run.options.catalog;
	const counter = run.counter;
	const cache = new PromptCacheSimulator();
	const responseCache = new Map<string, number>();
	const threads = new Map<string, ThreadState>();
	const lastOnModel = new Map<string, { thread: string; epoch: number; length: number }>();
	const notes = new Set<string>();
	const perStep: ReplayStep[] = [];
	const total = run.calls.length;
	const every = options.progressEvery ?? 50;
	const budget = settings.budget;
	let spent = 0;
	let baselineCum = 0;
	let diverged = false;
	let warned = false;
	let stoppedAtStep: number | null = null;
	let stopReason: string | undefined;
	let unpriced = 0;
	let estimated = false;
	let input = 0;
	let output = 0;
	let read = 0;
	let write = 0;

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
	const tokensOf = (t: ThreadState, model: string): number => modelView(t, model).sum;
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
		for (const s of segs) push(t, s);
	};
	// Files without timestamps: calls are `assumedStepGapSeconds` apart (the cache TTL depends on it).
	const untimed = run.calls.every(c => !c.timestamped);
	const atOf = (pc: PreparedCall) => (untimed ? (pc.step - 1) * settings.assumedStepGapSeconds * 1000 : pc.atMs);
	let stepLimitNoted = false;
	/** Provider calls made so far (response-cache hits make none). */
	let callsMade = 0;
	/** Rows of the recording's side calls: they are not steps. */
	let sideRows = 0;
	const maxTool = settings.compression.toolResponseMaxTokens;
	const transform = (seg: PreparedSegment, model: string): PreparedSegment => (maxTool > 0 ? run.truncatedToolOutput(seg, maxTool, model) : seg);
	// Only the response cache needs a running hash of the prompt.
	const hashing = settings.responseCache.enabled;

	for (let i = 0; i < total; i++) {
		if (i % every === 0 && i > 0) {
			if (options.yieldToEventLoop) await options.yieldToEventLoop();
			throwIfAborted(options.signal);
			options.onProgress?.(i, total);
		} else if (i === 0) {
			throwIfAborted(options.signal);
		}
		const pc = run.calls[i];
		const call = pc.call;
		const baselineUsd = usdOf(pc.recordedCost);
		baselineCum += baselineUsd ?? 0;

		// A side call of the recording's own policies (history summary, semantic-cache embedding):
		// its effect — a summarized history, a cache hit — is in the recorded prompts, so every
		// scenario keeps it at its recorded cost, never re-routed and not an agent step.
		if (call.purpose !== undefined) {
			sideRows++;
			if (baselineUsd === null) unpriced++;
			spent += baselineUsd ?? 0;
			input += call.usage.input;
			output += call.usage.output;
			read += call.usage.cacheRead;
			write += call.usage.cacheWrite5m + call.usage.cacheWrite1h;
			perStep.push({
				step: pc.step,
				callIndex: call.index,
				thread: pc.thread,
				recordedModel: call.model,
				model: call.model,
				tier: 'recorded',
				cumulativeUsd: spent,
				baselineCostUsd: baselineUsd,
				baselineCumulativeUsd: baselineCum,
				routing: [`the recording's own ${call.purpose} call, kept at its recorded cost`],
				usage: call.usage,
				recorded: true,
				outputEstimated: false,
				cache: 'asRecorded',
				costUsd: baselineUsd,
			});
			continue;
		}

		// 1. The thread's history as the agent would have it now.
		let t = threads.get(pc.thread);
		if (!t) {
			t = { version: undefined, recordedLen: 0, prefix: [], replacedUpTo: 0, segs: [], pristine: true, epoch: 0, perModel: new Map(), hash: 0, head: undefined };
			threads.set(pc.thread, t);
		}
		const truncModel = call.model || settings.routing.tiers.medium;
		if (t.version === pc.version && pc.commonWithPrevious >= t.recordedLen) {
			for (let k = t.recordedLen; k < pc.length; k++) {
				const seg = pc.version.segments[k];
				const s = transform(seg, truncModel);
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
			}
			const segs = [...t.prefix];
			let pristine = !keep;
			for (let k = from; k < pc.length; k++) {
				const seg = pc.version.segments[k];
				const s = transform(seg, truncModel);
				if (s !== seg) pristine = false;
				segs.push(s);
			}
			rebuild(t, segs);
			t.pristine = pristine;
		}
		t.version = pc.version;
		t.recordedLen = pc.length;

		// Calibration of this step (see the function comment).
		const recordedModel = call.model;
		const visibleRecorded = recordedModel ? run.recordedPromptTokens(pc, recordedModel) : 0;
		const recordedInput = call.usage.input;
		const hidden = Math.max(0, recordedInput - visibleRecorded);
		const k = visibleRecorded > recordedInput && visibleRecorded > 0 ? recordedInput / visibleRecorded : 1;
		if (t.head === undefined) {
			// The stable unrecorded head (system prompt, tools) is fixed at the thread's first call.
			t.head = hidden;
			t.perModel = new Map();
		}
		const scenarioInput = (model: string): number => {
			if (!recordedModel) return tokensOf(t!, model);
			const ratio = model === recordedModel || visibleRecorded === 0 ? 1 : run.recordedPromptTokens(pc, model) / visibleRecorded;
			return Math.max(0, Math.round(hidden * ratio + k * tokensOf(t!, model)));
		};

		// 2. Routing.
		const routing: string[] = [];
		let tier: ReplayStep['tier'];
		let model: string;
		if (settings.routing.mode === 'asRecorded') {
			model = recordedModel;
			tier = 'recorded';
			routing.push('as recorded');
		} else if (settings.routing.mode === 'fixed') {
			model = settings.routing.model;
			tier = 'fixed';
			routing.push(`fixed model ${model}`);
		} else {
			const d = run.complexityOf(pc);
			tier = d.tier;
			model = settings.routing.tiers[d.tier];
			for (const r of d.reasons) routing.push(r.text);
		}

		// 3. Response cache: an identical request within the TTL is answered without a provider call.
		let responseKey: string | undefined;
		if (settings.responseCache.enabled && model) {
			responseKey = `${model}|${t.hash}|${t.segs.length}|${t.head}`;
			const until = responseCache.get(responseKey);
			if (until !== undefined && until >= atOf(pc)) {
				diverged = true;
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
					routing: [...routing, 'served by the response cache (identical request within its TTL)'],
					usage: { input: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 },
					recorded: false,
					outputEstimated: false,
					cache: 'responseCache',
					costUsd: 0,
				});
				continue;
			}
		}

		// The step limit counts provider calls, as the live engine does: a response-cache hit above made none.
		if (budget.enabled && budget.maxSteps > 0 && callsMade >= budget.maxSteps) {
			if (budget.policy === 'warn') {
				if (!stepLimitNoted) notes.add(`step limit ${budget.maxSteps} passed at step ${pc.step} (warn-only policy: the run went on)`);
				stepLimitNoted = true;
			} else {
				stoppedAtStep = pc.step;
				stopReason = `recursion limit: step ${pc.step} would be call ${callsMade + 1}, past agentCost.budget.maxSteps (${budget.maxSteps})`;
				break;
			}
		}

		// 4. Compression before the call, when a trigger fires.
		let compression: ReplayStep['compression'];
		let summaryUsd = 0;
		const strategy = settings.compression.strategy;
		if (strategy !== 'none' && model) {
			const before = scenarioInput(model);
			const trigger = compressionTrigger(
				{ tokens: before, step: pc.stepInThread, contextWindow: run.contextWindowOf(model) },
				{ compression: settings.compression, contextWindowMax: settings.compression.contextWindowMax },
			);
			if (trigger) {
				const result = await compressHistory(
					strategy,
					t.segs.map(s => s.message),
					{
						model,
						counter,
						config: settings.compression,
						summarizer: estimatingSummarizer,
						signal: options.signal,
					},
				);
				if (result.applied) {
					const segs = result.messages.map(m => run.segmentOf(m as EngineMessage));
					t.prefix = segs;
					t.replacedUpTo = t.recordedLen;
					rebuild(t, segs);
					t.pristine = false;
					if (result.summary) {
						const s = catalog.cost(result.summary.model, result.summary.usage, {});
						if (s.kind === 'priced') summaryUsd = s.usd;
						else notes.add(`summary model ${result.summary.model} has no price: ${s.reason}`);
						estimated = true;
					}
					compression = { strategy, trigger: describeTrigger(trigger), tokensBefore: before, tokensAfter: scenarioInput(model), ...(result.summary && { summaryUsd }) };
				}
			}
		}

		// 5. Budget: reserve the worst case before the call, like the live engine.
		let budgetEvent: ReplayStep['budget'];
		if (budget.enabled && budget.runUsd > 0 && model) {
			const fits = (m: string) => {
				const w = worstCaseCost(catalog, m, scenarioInput(m), budget.maxOutputTokens, true);
				return w.kind === 'priced' ? spent + summaryUsd + w.usd : undefined;
			};
			let need = fits(model);
			if (need !== undefined && need > budget.runUsd) {
				if (budget.policy === 'soft') {
					const current = tier && tier !== 'recorded' && tier !== 'fixed' ? tierOrder.indexOf(tier) : tierOrder.length;
					let downgraded = false;
					for (let ti = Math.min(current, tierOrder.length) - 1; ti >= 0; ti--) {
						const candidate = settings.routing.tiers[tierOrder[ti]];
						if (candidate === model) continue;
						const n = fits(candidate);
						if (n !== undefined && n <= budget.runUsd) {
							budgetEvent = { kind: 'downgrade', text: `budget: ${model} could exceed $${budget.runUsd} (worst case $${need.toFixed(4)}); downgraded to ${candidate}` };
							routing.push(budgetEvent.text);
							model = candidate;
							tier = tierOrder[ti];
							need = n;
							downgraded = true;
							break;
						}
					}
					if (!downgraded) {
						stoppedAtStep = pc.step;
						stopReason = `run budget $${budget.runUsd}: the worst case of this call ($${(need - spent).toFixed(4)}) would pass it even on the cheapest tier`;
						break;
					}
				} else if (budget.policy === 'hard') {
					stoppedAtStep = pc.step;
					stopReason = `run budget $${budget.runUsd}: $${spent.toFixed(4)} spent, this call's worst case would take it to $${need.toFixed(4)}`;
					break;
				} else {
					budgetEvent = { kind: 'overLimit', text: `budget: worst case $${need.toFixed(4)} is over $${budget.runUsd} (warn-only policy: the call goes ahead)` };
				}
			}
			if (!budgetEvent && !warned && need !== undefined && need >= budget.warnThreshold * budget.runUsd) {
				warned = true;
				budgetEvent = { kind: 'warn', text: `budget: ${Math.round((need / budget.runUsd) * 100)}% of the $${budget.runUsd} run budget (warning at ${Math.round(budget.warnThreshold * 100)}%)` };
			}
		}

		callsMade++;
		// 6. The call itself: recorded numbers while nothing differs, the simulation afterwards.
		const identical = !diverged && t.pristine && model === recordedModel && pc.anchorable && settings.promptCache.mode === 'simulate';
		const ttl = settings.promptCache.ttl === 'asRecorded' ? pc.recordedTtl : settings.promptCache.ttl;
		let usage: Usage;
		let cacheReason: ReplayStep['cache'];
		const inputTokens = model ? scenarioInput(model) : recordedInput;
		if (settings.promptCache.mode === 'simulate' && model) {
			const last = lastOnModel.get(model);
			const segments = modelView(t, model).cacheSegs;
			const outcome = cache.request({
				model,
				segments,
				atMs: atOf(pc),
				ttl,
				breakpoints: settings.promptCache.systemBreakpoint ? [1 + leadingSystem(t.segs), segments.length] : [segments.length],
				unchangedPrefix: last && last.thread === pc.thread && last.epoch === t.epoch ? Math.min(last.length, segments.length) : undefined,
			});
			lastOnModel.set(model, { thread: pc.thread, epoch: t.epoch, length: segments.length });
			if (identical) {
				usage = call.usage;
				cacheReason = 'asRecorded';
			} else {
				// Scale the structural simulation to the calibrated input of this step.
				const f = outcome.input > 0 ? inputTokens / outcome.input : 0;
				const cacheRead = Math.min(inputTokens, Math.round(outcome.cacheRead * f));
				const w5 = Math.min(inputTokens - cacheRead, Math.round(outcome.cacheWrite5m * f));
				const w1 = Math.min(inputTokens - cacheRead - w5, Math.round(outcome.cacheWrite1h * f));
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
			diverged = true;
			estimated = true;
		}
		if (responseKey !== undefined) responseCache.set(responseKey, atOf(pc) + settings.responseCache.ttlSeconds * 1000);

		let cost: number | null = null;
		if (model) {
			const at = pc.timestamped ? new Date(pc.atMs) : run.options.at;
			const r = identical && pc.recordedCost ? pc.recordedCost : catalog.cost(model, usage, at ? { at } : {});
			if (r.kind === 'priced') cost = r.usd;
			else notes.add(`${model}: ${r.reason} — ${r.hint}`);
		} else {
			notes.add('some calls record no model and cannot be priced');
		}
		if (cost === null) unpriced++;
		spent += (cost ?? 0) + summaryUsd;
		input += usage.input;
		output += usage.output;
		read += usage.cacheRead;
		write += usage.cacheWrite5m + usage.cacheWrite1h;
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
			usage,
			recorded: identical,
			outputEstimated: model !== recordedModel,
			cache: cacheReason,
			costUsd: cost,
			...(compression && { compression }),
			...(budgetEvent && { budget: budgetEvent }),
		});
	}
	options.onProgress?.(perStep.length, total);
	if (untimed) notes.add(`calls without timestamps are assumed ${settings.assumedStepGapSeconds} s apart for cache expiry`);
	if (run.calls.some(c => !c.anchorable)) notes.add('this run has counted (not recorded) usage: cache effects are simulated for every step');
	return {
		name: settings.name,
		settings,
		costUsd: spent,
		inputTokens: input,
		outputTokens: output,
		cacheReadTokens: read,
		cacheWriteTokens: write,
		steps: perStep.length - sideRows,
		stoppedAtStep,
		...(stopReason && { stopReason }),
		unpricedSteps: unpriced,
		estimated,
		perStep,
		notes: [...notes],
	};
}
