import type { PolicySettings } from '../config/defaults';
import type { TokenCounter } from '../ports/tokenCounter';
import type { Summarizer, SummaryResult } from '../ports/summarizer';
import type { EngineMessage, MessageGroup } from './messages';
import { countMessages, groupMessages, messageTokens } from './messages';
import { compressionResult, unchangedResult } from './result';
import type { CompressionChange, HistoryCompressionResult } from './types';

export interface HistoryOptions {
	/** Model whose tokenizer counts the messages. */
	readonly model: string;
	readonly counter: TokenCounter;
}

/** Role of inserted markers and summaries. `user` is valid for every provider (Anthropic has no mid-conversation system role). */
export type InsertedRole = 'user' | 'system';

/** Groups kept by a recent-token budget: pinned groups + the newest suffix within `keepTokens` (at least the newest group). */
function keepRecent(messages: readonly EngineMessage[], groups: readonly MessageGroup[], keepTokens: number, o: HistoryOptions): Set<number> {
	const empty = o.counter.countChat(o.model, []).tokens;
	const keep = new Set<number>();
	groups.forEach((g, i) => g.pinned && keep.add(i));
	let used = 0;
	for (let i = groups.length - 1; i >= 0; i--) {
		const g = groups[i]!;
		if (g.pinned) continue;
		let t = 0;
		for (let j = g.start; j < g.end; j++) t += messageTokens(o.counter, o.model, messages[j]!, empty);
		if (used + t > keepTokens && i !== groups.length - 1) break;
		used += t;
		keep.add(i);
	}
	return keep;
}

function droppedRuns(messages: readonly EngineMessage[], groups: readonly MessageGroup[], keep: ReadonlySet<number>, o: HistoryOptions): CompressionChange[] {
	const empty = o.counter.countChat(o.model, []).tokens;
	const out: CompressionChange[] = [];
	let run: { from: number; to: number; tokens: number } | undefined;
	groups.forEach((g, i) => {
		if (keep.has(i)) {
			if (run) out.push({ kind: 'dropped', from: run.from, to: run.to, messages: run.to - run.from, tokens: run.tokens });
			run = undefined;
			return;
		}
		let t = 0;
		for (let j = g.start; j < g.end; j++) t += messageTokens(o.counter, o.model, messages[j]!, empty);
		run = run ? { from: run.from, to: g.end, tokens: run.tokens + t } : { from: g.start, to: g.end, tokens: t };
	});
	if (run) out.push({ kind: 'dropped', from: run.from, to: run.to, messages: run.to - run.from, tokens: run.tokens });
	return out;
}

/**
 * Keep-recent truncation: drops the oldest history, keeping every system message, the last user
 * turn and the newest `keepRecentTokens` of the rest (whole tool-call/result groups, at least the
 * newest group). Pinned messages do not count against the budget. Idempotent.
 */
export function truncateHistory(messages: readonly EngineMessage[], keepRecentTokens: number, o: HistoryOptions): HistoryCompressionResult {
	const groups = groupMessages(messages);
	const keep = keepRecent(messages, groups, keepRecentTokens, o);
	if (keep.size === groups.length) return unchangedResult('truncate', messages, o);
	const kept = groups.flatMap((g, i) => (keep.has(i) ? messages.slice(g.start, g.end) : []));
	return compressionResult('truncate', messages, kept, droppedRuns(messages, groups, keep, o), o);
}

function markerText(omitted: number, tokens: number): string {
	return `[${omitted} earlier message${omitted === 1 ? '' : 's'} (${tokens.toLocaleString('en-US')} tokens) omitted to save context.]`;
}

/**
 * Sliding window: the first `n` and the last `n` messages (whole groups) plus every pinned message;
 * the middle becomes ONE omission marker. Re-windowing merges markers instead of stacking them, so
 * the function is idempotent.
 */
export function slidingWindow(messages: readonly EngineMessage[], n: number, o: HistoryOptions & { readonly markerRole?: InsertedRole }): HistoryCompressionResult {
	const groups = groupMessages(messages);
	const keep = new Set<number>();
	let count = 0;
	for (let i = 0; i < groups.length && count < n; i++) {
		keep.add(i);
		count += groups[i]!.end - groups[i]!.start;
	}
	count = 0;
	for (let i = groups.length - 1; i >= 0 && count < n; i--) {
		keep.add(i);
		count += groups[i]!.end - groups[i]!.start;
	}
	groups.forEach((g, i) => g.pinned && keep.add(i));
	const omittedGroups = groups.filter((_, i) => !keep.has(i));
	// Only old markers in the middle: nothing new to omit.
	if (omittedGroups.every(g => messages[g.start]!.compression?.kind === 'marker' && g.end - g.start === 1)) {
		return unchangedResult('window', messages, o);
	}
	const empty = o.counter.countChat(o.model, []).tokens;
	let omitted = 0;
	let tokens = 0;
	for (const g of omittedGroups) {
		for (let j = g.start; j < g.end; j++) {
			const m = messages[j]!;
			if (m.compression?.kind === 'marker') {
				omitted += m.compression.replaces;
				tokens += Number(/\(([\d,]+) tokens\)/.exec(m.content)?.[1]!.replace(/,/g, '') ?? 0);
			} else {
				omitted += 1;
				tokens += messageTokens(o.counter, o.model, m, empty);
			}
		}
	}
	const marker: EngineMessage = { role: o.markerRole ?? 'user', content: markerText(omitted, tokens), compression: { kind: 'marker', replaces: omitted } };
	const out: EngineMessage[] = [];
	let placed = false;
	groups.forEach((g, i) => {
		if (keep.has(i)) out.push(...messages.slice(g.start, g.end));
		else if (!placed) {
			out.push(marker);
			placed = true;
		}
	});
	const changes: CompressionChange[] = [...droppedRuns(messages, groups, keep, o), { kind: 'marker', omitted, tokens }];
	return compressionResult('window', messages, out, changes, o);
}

/** The instruction prepended to the history a live summarizer sends (its tokens are part of the estimate below). */
export const summaryInstruction =
	'Summarize the conversation so far for an AI agent that will continue the task. Keep every decision, fact, file name, identifier, number and open question; drop pleasantries and repeated tool output.';

/** Tokens the live summary prompt adds on top of the summarized messages (instruction + framing). */
export const summaryPromptOverheadTokens = 60;

/**
 * Replay mode: no call is made; the summary is assumed to be `maxTokens` long (or as long as its
 * input, if shorter) and its usage is what the call would have cost.
 */
export function estimateSummary({ messages, maxTokens, inputTokens }: { readonly messages: readonly unknown[]; readonly maxTokens: number; readonly inputTokens: number }): SummaryResult {
	const tokens = Math.min(maxTokens, Math.max(1, inputTokens));
	return {
		text: `[Summary of ${messages.length} earlier messages (≈${tokens} tokens, estimated in replay)]`,
		tokens,
		usage: { input: inputTokens + summaryPromptOverheadTokens, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: tokens, reasoning: 0 },
		estimated: true,
	};
}

/** {@link estimateSummary} as a {@link Summarizer}. */
export const estimatingSummarizer: Summarizer = {
	summarize: async request => estimateSummary(request),
};

export interface SummarizeOptions extends HistoryOptions {
	readonly keepRecentTokens: number;
	readonly summaryModel: string;
	readonly summaryMaxTokens: number;
	readonly summarizer: Summarizer;
	readonly summaryRole?: InsertedRole;
	readonly signal?: AbortSignal;
}

/** What a summary would replace: the history older than the newest `keepRecentTokens` (see {@link summarizeHistory}). */
export interface SummaryPlan {
	readonly groups: readonly MessageGroup[];
	readonly keep: ReadonlySet<number>;
	/** The messages the summary call is sent (older history, a previous summary included). */
	readonly older: readonly EngineMessage[];
	/** Their tokens for the summary model. */
	readonly inputTokens: number;
}

/** Which history a summary would replace, or undefined when there is nothing older to summarize. */
export function planSummary(messages: readonly EngineMessage[], o: HistoryOptions & { readonly keepRecentTokens: number; readonly summaryModel: string }): SummaryPlan | undefined {
	const groups = groupMessages(messages);
	const keep = keepRecent(messages, groups, o.keepRecentTokens, o);
	const older = groups.flatMap((g, i) => (keep.has(i) ? [] : messages.slice(g.start, g.end)));
	if (older.length === 0) return undefined;
	return { groups, keep, older, inputTokens: countMessages(o.counter, o.summaryModel, older).tokens };
}

/**
 * The history with the planned part replaced by one summary message (placed where the first
 * summarized message was, after the system prompt). A previous summary is folded into the new one
 * (rolling summary). System messages and the last user turn are never summarized.
 */
export function applySummary(
	messages: readonly EngineMessage[],
	plan: SummaryPlan,
	s: SummaryResult,
	o: HistoryOptions & { readonly summaryModel: string; readonly summaryRole?: InsertedRole },
): HistoryCompressionResult {
	const replaces = plan.older.reduce((n, m) => n + (m.compression?.kind === 'summary' ? m.compression.replaces : 1), 0);
	const summary: EngineMessage = {
		role: o.summaryRole ?? 'user',
		content: s.tokens === undefined ? `[Summary of the earlier conversation]\n${s.text}` : s.text,
		compression: { kind: 'summary', replaces, ...(s.tokens !== undefined ? { tokens: s.tokens } : {}) },
	};
	const out: EngineMessage[] = [];
	let placed = false;
	plan.groups.forEach((g, i) => {
		if (plan.keep.has(i)) out.push(...messages.slice(g.start, g.end));
		else if (!placed) {
			out.push(summary);
			placed = true;
		}
	});
	const summaryTokens = s.tokens ?? o.counter.countText(o.model, summary.content).tokens;
	const changes: CompressionChange[] = [
		...droppedRuns(messages, plan.groups, plan.keep, o),
		{ kind: 'summarized', messages: plan.older.length, tokens: plan.inputTokens, summaryTokens, estimated: s.estimated },
	];
	return compressionResult('summarize', messages, out, changes, o, { summary: { model: o.summaryModel, usage: s.usage, estimated: s.estimated } });
}

/** {@link planSummary}, one call to the summarizer, {@link applySummary}. */
export async function summarizeHistory(messages: readonly EngineMessage[], o: SummarizeOptions): Promise<HistoryCompressionResult> {
	const plan = planSummary(messages, o);
	if (!plan) return unchangedResult('summarize', messages, o);
	const s = await o.summarizer.summarize({ messages: plan.older, model: o.summaryModel, maxTokens: o.summaryMaxTokens, inputTokens: plan.inputTokens, signal: o.signal });
	return applySummary(messages, plan, s, o);
}

/** Why a compression fired (or undefined: it did not). */
export type CompressionTrigger =
	| { readonly kind: 'tokens'; readonly tokens: number; readonly threshold: number }
	| { readonly kind: 'contextWindow'; readonly tokens: number; readonly threshold: number; readonly window: number }
	| { readonly kind: 'steps'; readonly step: number; readonly every: number }
	/** Observation masking's batch boundary: every `every` steps (`step` undefined: the request has no step number, so every call is one). */
	| { readonly kind: 'maskBatch'; readonly step?: number; readonly every: number };

/**
 * Whether to compress before this call: the prompt exceeds `maxTokensBeforeCompression`, or fills
 * `contextWindowTriggerRatio` of the context window (the model's, capped by `contextWindowMax`), or
 * the 1-based `step` is a multiple of `triggerSteps`.
 */
export function compressionTrigger(
	input: { readonly tokens: number; readonly step?: number; readonly contextWindow?: number },
	config: Pick<PolicySettings, 'compression' | 'contextWindowMax'>,
): CompressionTrigger | undefined {
	const c = config.compression;
	if (input.tokens > c.maxTokensBeforeCompression) return { kind: 'tokens', tokens: input.tokens, threshold: c.maxTokensBeforeCompression };
	const window = Math.min(input.contextWindow ?? config.contextWindowMax, config.contextWindowMax);
	const threshold = Math.floor(window * c.contextWindowTriggerRatio);
	if (input.tokens > threshold) return { kind: 'contextWindow', tokens: input.tokens, threshold, window };
	if (c.triggerSteps > 0 && input.step !== undefined && input.step > 0 && input.step % c.triggerSteps === 0) return { kind: 'steps', step: input.step, every: c.triggerSteps };
	return undefined;
}

export function describeTrigger(t: CompressionTrigger): string {
	switch (t.kind) {
		case 'tokens':
			return `prompt is ${t.tokens.toLocaleString('en-US')} tokens, over agentCost.compression.maxTokensBeforeCompression (${t.threshold.toLocaleString('en-US')})`;
		case 'contextWindow':
			return `prompt is ${t.tokens.toLocaleString('en-US')} tokens, over ${t.threshold.toLocaleString('en-US')} (${Math.round((t.threshold / t.window) * 100)}% of a ${t.window.toLocaleString('en-US')}-token window)`;
		case 'steps':
			return `step ${t.step} is a multiple of agentCost.compression.triggerSteps (${t.every})`;
		case 'maskBatch':
			return t.step === undefined
				? 'the request has no step number, so every call is a masking batch'
				: `step ${t.step} starts a masking batch (every ${t.every} step${t.every === 1 ? '' : 's'}, agentCost.compression.maskEverySteps)`;
	}
}
