/**
 * The shadow probe: a check of what a replay scenario would change, made with real calls. A replay
 * prices a scenario from the recording; it cannot say whether a cheaper model, or a prompt with
 * observations masked, would have answered as the run did. The probe sends a sample of the run's
 * steps — each prompt exactly as the scenario builds it, to the model the scenario picks for it —
 * through the live path (`LiveCalls` and its own `PolicyEngine`: a budget reservation per call,
 * under a USD cap the user sets before anything is sent), and compares each answer with what the
 * run recorded at that step: the same tool called with the same key arguments (file path, command),
 * or, for a plain text answer, a similar text.
 *
 * A proxy, not a guarantee: one answer per step, compared with one recorded answer, shows whether
 * the scenario's model goes the same way at that point — not whether the run would have succeeded
 * (later steps would differ once one does). Agreement is reported per tier, with the probe's own
 * cost; every call is recorded like any live call.
 */
import { RecordingBudgetStore } from '../budget/budgetLedger';
import { BudgetExceededError, UnpricedModelError } from '../budget/budgetErrors';
import { cosine, createOfflineEmbedder } from '../caching/embedder';
import type { AgentAction } from '../compression/agentActions';
import { actionsOf, describeAction, keyArgsOf } from '../compression/agentActions';
import { estimatingSummarizer } from '../compression/history';
import type { EngineConfig } from '../config/defaults';
import { createPolicyEngine } from '../engine/policyEngine';
import { CancelledError, describeError } from '../lib/errors';
import type { BudgetStore } from '../ports/budgetStore';
import type { Clock, Random } from '../ports/clock';
import type { LlmTransport, ProviderId, ProviderToolCall } from '../ports/llmTransport';
import type { PricingPort } from '../ports/pricing';
import type { TokenCounter } from '../ports/tokenCounter';
import type { PreparedRun } from '../replay/preparedRun';
import type { ReplayScenario } from '../replay/scenario';
import type { CapturedStep } from '../replay/simulator';
import { simulateScenario } from '../replay/simulator';
import type { ToolCall } from '../transcripts/model';
import type { CallRecorder } from './liveCallRecord';
import { LiveCalls } from './liveCalls';
import { transcriptToProviderMessages } from './messageMapping';

/** Text answers at least this similar (cosine of offline n-gram embeddings) count as agreeing. */
export const textAgreementThreshold = 0.8;

export interface ProbeDeps {
	readonly transports: Readonly<Partial<Record<ProviderId, LlmTransport>>>;
	readonly counter: TokenCounter;
	readonly pricing: PricingPort;
	/** The list prices budgets never count below (see `BudgetGuardDeps.floorPricing`). */
	readonly floorPricing?: PricingPort;
	readonly clock: Clock;
	readonly random: Random;
	/** Settings the live path runs with (retries, timeouts, the daily limit); the probe sets its own policies. */
	readonly config: EngineConfig;
	/** Where the probe's spend is counted (the user's ledger, so the daily budget sees it). @default an in-memory ledger */
	readonly budgetStore?: BudgetStore;
	/** Where every probe call is recorded. */
	readonly recorder?: CallRecorder;
	readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ProbeOptions {
	/** Steps to send at most. */
	readonly sample: number;
	/** The most the probe may spend, in USD, set before anything is sent (every call's worst case is reserved against it). */
	readonly maxUsd: number;
	/** The budget run of the probe's calls (recordings group by it). */
	readonly runId: string;
	readonly signal?: AbortSignal;
	readonly onProgress?: (done: number, total: number) => void;
}

/** How one probed answer compares with the recorded one. */
export type ProbeVerdict =
	| { readonly kind: 'sameAction'; readonly tool: string }
	| { readonly kind: 'otherArguments'; readonly tool: string; readonly recorded: string; readonly probed: string }
	| { readonly kind: 'otherTool'; readonly recorded: string; readonly probed: string }
	| { readonly kind: 'text'; readonly similarity: number };

export interface ProbeStepResult {
	readonly step: number;
	readonly tier: string;
	readonly model: string;
	/** `notSent`: the cap could not cover it (or an earlier step used it up); `failed`: the provider call failed. */
	readonly status: 'agreed' | 'disagreed' | 'notSent' | 'failed';
	readonly verdict?: ProbeVerdict;
	/** Why it was not sent or failed. */
	readonly reason?: string;
	/** What this call cost (undefined: nothing was charged, or the model has no price). */
	readonly costUsd?: number;
	/** The probed answer in brief (its tool call, or the start of its text). */
	readonly answer?: string;
}

export interface ProbeResult {
	readonly scenario: string;
	/** The steps chosen (those the scenario changes first, then evenly spread). */
	readonly sampled: number;
	readonly sent: number;
	readonly steps: readonly ProbeStepResult[];
	/** Agreement per tier the steps ran on: sent and agreed. */
	readonly byTier: Readonly<Record<string, { readonly sent: number; readonly agreed: number }>>;
	/** What the probe spent, in USD (estimates included). */
	readonly costUsd: number;
	readonly maxUsd: number;
	/** Set when the cap stopped the probe before every sampled step was sent. */
	readonly cappedAt?: number;
}

/** Up to `n` of `candidates`, spread evenly over them (deterministic). */
function spread<T>(candidates: readonly T[], n: number): T[] {
	if (candidates.length <= n) return [...candidates];
	const out: T[] = [];
	for (let k = 0; k < n; k++) out.push(candidates[Math.floor(((k + 0.5) * candidates.length) / n)]!);
	return out;
}

/**
 * The steps to probe: first those where the scenario departs from the recording (another model, a
 * changed prompt), spread over the run, then others — at most `sample`. Only agent steps with a
 * recorded answer qualify.
 */
async function chooseProbeSteps(run: PreparedRun, scenario: ReplayScenario, sample: number, signal?: AbortSignal): Promise<number[]> {
	const result = await simulateScenario(run, scenario, signal ? { signal } : {});
	const answered = new Set(run.calls.filter(c => !c.call.purpose && c.call.output && c.call.status !== 'refused').map(c => c.step));
	const steps = result.perStep.filter(p => p.tier !== 'recorded' && p.cache !== 'responseCache' && answered.has(p.step));
	const changed = steps.filter(p => p.model !== p.recordedModel || !p.recorded).map(p => p.step);
	const chosen = spread(changed, sample);
	if (chosen.length < sample)
		chosen.push(
			...spread(
				steps.map(p => p.step).filter(s => !chosen.includes(s)),
				sample - chosen.length,
			),
		);
	return [...new Set(chosen)].sort((a, b) => a - b);
}

/** The scenario's prompts at `steps`, as it would send them. */
async function captureSteps(run: PreparedRun, scenario: ReplayScenario, steps: readonly number[], signal?: AbortSignal): Promise<CapturedStep[]> {
	const captured: CapturedStep[] = [];
	await simulateScenario(run, scenario, { ...(signal && { signal }), capture: { steps: new Set(steps), onStep: s => captured.push(s) } });
	return captured;
}

function firstAction(text: string, toolCalls: readonly (ToolCall | ProviderToolCall)[]): AgentAction | undefined {
	return actionsOf({ role: 'assistant', content: text, toolCalls })[0];
}

/**
 * Compares a probed answer with the recorded one: when the run called a tool, the probe agrees if
 * it calls the same tool with the same key arguments (file path, command, URL, query); a text step
 * agrees when the texts are similar (cosine ≥ {@link textAgreementThreshold} of offline n-gram
 * embeddings).
 */
export function compareAnswers(
	recorded: { readonly text: string; readonly toolCalls: readonly ToolCall[] },
	probed: { readonly text: string; readonly toolCalls: readonly ProviderToolCall[] },
): ProbeVerdict {
	const want = firstAction(recorded.text, recorded.toolCalls);
	const got = firstAction(probed.text, probed.toolCalls);
	if (want) {
		if (!got) return { kind: 'otherTool', recorded: describeAction(want, 60), probed: 'a text answer (no tool call)' };
		if (got.name !== want.name) return { kind: 'otherTool', recorded: describeAction(want, 60), probed: describeAction(got, 60) };
		const a = keyArgsOf(want).join('\u0000');
		const b = keyArgsOf(got).join('\u0000');
		return a === b ? { kind: 'sameAction', tool: want.name } : { kind: 'otherArguments', tool: want.name, recorded: describeAction(want, 60), probed: describeAction(got, 60) };
	}
	if (got) return { kind: 'otherTool', recorded: 'a text answer (no tool call)', probed: describeAction(got, 60) };
	const e = createOfflineEmbedder();
	const similarity = recorded.text.trim() === probed.text.trim() ? 1 : cosine(e.embedSync(recorded.text), e.embedSync(probed.text));
	return { kind: 'text', similarity: Math.round(similarity * 1000) / 1000 };
}

export function agrees(v: ProbeVerdict): boolean {
	return v.kind === 'sameAction' || (v.kind === 'text' && v.similarity >= textAgreementThreshold);
}

/** The probe's own policies: exactly the captured prompt to exactly the scenario's model, capped at `maxUsd`. */
function probeConfig(config: EngineConfig, maxUsd: number, sample: number): EngineConfig {
	return {
		...config,
		routing: { ...config.routing, mode: 'asRequested', fallbacks: 'off' },
		compression: { ...config.compression, strategy: 'none', toolResponseMaxTokens: 0, triggerSteps: 0 },
		cache: { ...config.cache, enabled: false, semanticEnabled: false },
		budget: { ...config.budget, enabled: true, policy: 'hard', runUsd: maxUsd, maxSteps: sample, warnThreshold: 1 },
	};
}

/**
 * Runs the probe (see the module comment): chooses up to `sample` steps, captures the scenario's
 * prompts there, and sends them one by one through the live path under the cap. Stops early, and
 * says so, when the cap cannot cover the next step.
 */
export async function runShadowProbe(run: PreparedRun, scenario: ReplayScenario, options: ProbeOptions, deps: ProbeDeps): Promise<ProbeResult> {
	if (!(options.maxUsd > 0)) throw new RangeError('the probe needs a USD cap above 0');
	const steps = await chooseProbeSteps(run, scenario, Math.max(1, Math.floor(options.sample)), options.signal);
	const captured = await captureSteps(run, scenario, steps, options.signal);
	const config = probeConfig(deps.config, options.maxUsd, captured.length);
	const engine = createPolicyEngine({
		config,
		counter: deps.counter,
		pricing: deps.pricing,
		...(deps.floorPricing && { floorPricing: deps.floorPricing }),
		clock: deps.clock,
		random: deps.random,
		budgetStore: deps.budgetStore ?? new RecordingBudgetStore(),
		summarizer: estimatingSummarizer,
	});
	const live = new LiveCalls({
		engine,
		config,
		counter: deps.counter,
		clock: deps.clock,
		random: deps.random,
		transports: deps.transports,
		...(deps.recorder && { recorder: deps.recorder }),
		...(deps.sleep && { sleep: deps.sleep }),
	});
	const results: ProbeStepResult[] = [];
	let spent = 0;
	let cappedAt: number | undefined;
	for (const [i, c] of captured.entries()) {
		options.onProgress?.(i, captured.length);
		const base = { step: c.step, tier: String(c.tier ?? ''), model: c.model };
		if (cappedAt !== undefined) {
			results.push({ ...base, status: 'notSent', reason: `the $${options.maxUsd} cap was used up at step ${cappedAt}` });
			continue;
		}
		try {
			const r = await live.run(
				{
					runId: options.runId,
					messages: transcriptToProviderMessages(c.messages),
					...(c.tools && { tools: c.tools }),
					pinnedModel: c.model,
					maxOutputTokens: c.maxOutputTokens,
					...(c.temperature !== undefined && { temperature: c.temperature }),
					step: { index: i + 1 },
					stream: false,
					cache: 'bypass',
				},
				options.signal ? { signal: options.signal } : {},
			);
			spent += r.costUsd ?? 0;
			const recorded = c.call.output ?? { text: '', toolCalls: [] };
			const verdict = compareAnswers(recorded, { text: r.text, toolCalls: r.toolCalls });
			const action = firstAction(r.text, r.toolCalls);
			results.push({
				...base,
				status: agrees(verdict) ? 'agreed' : 'disagreed',
				verdict,
				...(r.costUsd !== undefined && { costUsd: r.costUsd }),
				answer: action ? describeAction(action, 80) : r.text.replace(/\s+/g, ' ').slice(0, 80),
			});
		} catch (e) {
			if (CancelledError.is(e)) throw e;
			if (BudgetExceededError.is(e) || UnpricedModelError.is(e)) {
				cappedAt ??= c.step;
				results.push({ ...base, status: 'notSent', reason: e.message });
				continue;
			}
			results.push({ ...base, status: 'failed', reason: describeError(e) });
		}
	}
	options.onProgress?.(captured.length, captured.length);
	// What failed calls were charged (a timeout may have been billed) is in the ledger: the run's spend is the probe's cost.
	const status = await engine.status(options.runId);
	const byTier: Record<string, { sent: number; agreed: number }> = {};
	for (const r of results) {
		if (r.status !== 'agreed' && r.status !== 'disagreed') continue;
		const t = (byTier[r.tier] ??= { sent: 0, agreed: 0 });
		t.sent++;
		if (r.status === 'agreed') t.agreed++;
	}
	return {
		scenario: scenario.name,
		sampled: steps.length,
		sent: results.filter(r => r.status === 'agreed' || r.status === 'disagreed' || r.status === 'failed').length,
		steps: results,
		byTier,
		costUsd: Math.max(spent, status.run.spent),
		maxUsd: options.maxUsd,
		...(cappedAt !== undefined && { cappedAt }),
	};
}
