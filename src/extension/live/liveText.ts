/**
 * Every user-facing text of live calls, Compress Prompt and the spend views, in ONE place: status
 * bar, tooltips, notifications, the answer document's header and the log line per call. Pure (no
 * `vscode` import) so it is unit-tested; nothing here ever receives a key, and no function puts
 * prompt or answer text anywhere but the answer document.
 */
import type { BudgetStatus } from '../../core/budget/budgetGuard';
import type { EngineConfig } from '../../core/config/defaults';
import type { CompressPreview, LiveAnswer, LiveFailure, LiveRefusal, LiveRunResult } from '../../core/jobs/liveJobs';
import type { SpendCallRow, SpendModelRow } from '../../core/live/spendReport';
import { formatTokens, formatUsd } from '../../core/pricing/format';
import type { ProviderId } from '../../core/ports/llmTransport';

export const providerLabels: Readonly<Record<ProviderId, string>> = { openai: 'OpenAI', anthropic: 'Anthropic' };
/** How each stored secret is named to the user. */
export const secretLabels: Readonly<Record<ProviderId | 'redis' | 'metrics', string>> = { ...providerLabels, redis: 'Redis (shared budget store)', metrics: 'Prometheus metrics endpoint' };

const policyText: Record<EngineConfig['budget']['policy'], string> = {
	hard: 'hard (refuse what the budget cannot cover)',
	soft: 'soft (downgrade to a cheaper tier, then refuse)',
	warn: 'warn only (never refuse)',
};

function pct(ratio: number): string {
	return `${Math.round(ratio * 100)}%`;
}

function seconds(ms: number): string {
	return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** What the last call did, for the tooltip. */
export interface LastCallInfo {
	readonly at: number;
	readonly text: string;
}

export interface SpendStatusView {
	/** With a `$(…)` codicon. */
	readonly text: string;
	/** Markdown. */
	readonly tooltip: string;
	readonly severity: 'ok' | 'warning' | 'error';
}

/**
 * The spend status bar item: today's spend against the daily budget (`$0.42 / $5.00`), warning at
 * the warn threshold, error once spent + reserved reach the limit. The daily scope is what the item
 * shows; the run budget and policy are in the tooltip.
 */
export function spendStatusView(status: BudgetStatus | undefined, budget: EngineConfig['budget'], last?: LastCallInfo, error?: string): SpendStatusView {
	if (!status) {
		if (error) return { text: '$(credit-card) $?', tooltip: `**Agent Cost: today's spend is unknown**\n\n${error}`, severity: 'warning' };
		return { text: `$(credit-card) … / ${budget.dailyUsd > 0 ? formatUsd(budget.dailyUsd) : 'no limit'}`, tooltip: "Agent Cost: reading today's spend…", severity: 'ok' };
	}
	const d = status.daily;
	const spent = formatUsd(d.spent);
	const text = budget.enabled && d.limit > 0 ? `$(credit-card) ${spent} / ${formatUsd(d.limit)}` : `$(credit-card) ${spent} today`;
	const ratio = d.limit > 0 ? (d.spent + d.reserved) / d.limit : 0;
	const severity = !budget.enabled || d.limit <= 0 ? 'ok' : ratio >= 1 ? 'error' : ratio >= budget.warnThreshold ? 'warning' : 'ok';
	const lines = [`**Agent Cost: today's spend** (budget day ${status.day}, ${status.timeZone})`, ''];
	if (!budget.enabled) lines.push(`${spent} spent today. Budgets are off (agentCost.budget.enabled).`);
	else {
		lines.push(
			d.limit > 0
				? `${spent} spent${d.reserved > 0 ? ` + ${formatUsd(d.reserved)} reserved by calls in flight` : ''} of the ${formatUsd(d.limit)} daily budget (${pct(ratio)}; warning at ${pct(budget.warnThreshold)})`
				: `${spent} spent; no daily limit (agentCost.budget.dailyUsd is 0)`,
		);
		lines.push(
			'',
			`Run budget: ${budget.runUsd > 0 ? `${formatUsd(budget.runUsd)} per run` : 'none'} · max steps: ${budget.maxSteps > 0 ? budget.maxSteps : 'unlimited'} · policy: ${policyText[budget.policy]}`,
		);
	}
	if (last) lines.push('', `Last call: ${last.text}`);
	if (error) lines.push('', `⚠ ${error}`);
	lines.push('', 'Every window and workspace shares this daily budget. Click to show the Spend view.');
	return { text, tooltip: lines.join('\n'), severity };
}

function tokensOf(a: LiveAnswer): string {
	if (!a.usage) return a.source === 'provider' ? 'no usage' : 'cached, 0 tokens billed';
	const approx = a.estimated ? '≈' : '';
	return `${approx}${formatTokens(a.usage.input)} in / ${approx}${formatTokens(a.usage.output)} out tokens`;
}

const otherChargeNames = { embedding: 'embedding', summary: 'summary', failedAttempt: 'failed attempt' } as const;

/** `own`, then what the same request also paid for (embedding, summary, failed attempts). */
function withOtherCharges(own: string, others: LiveAnswer['otherCharges']): string {
	const parts = (others ?? []).map(c => `${c.costUsd === undefined ? 'no price' : formatUsd(c.costUsd, { estimate: c.estimated })} ${otherChargeNames[c.purpose]} (${c.model})`);
	return parts.length ? `${own} + ${parts.join(' + ')}` : own;
}

function costOf(a: LiveAnswer): string {
	const own = a.source !== 'provider' ? '$0.00 (cache hit)' : a.costUsd === undefined ? 'no price' : formatUsd(a.costUsd, { estimate: a.estimated });
	// A per-use fee the price data does not know is said, never folded in as $0.
	const fees = (a.unpricedFees ?? []).map(f => ` + unpriced ${f.tool} fee (${f.uses} use${f.uses === 1 ? '' : 's'})`).join('');
	return withOtherCharges(own + fees, a.otherCharges);
}

/** One log line per call: model, tokens, cost, latency, status, routing — never the key or the prompt. */
export function callLogLine(r: LiveRunResult, file: string): string {
	switch (r.kind) {
		case 'answered':
			return `call ${file}: ${r.model} ${r.source === 'provider' ? 'ok' : r.source} · ${tokensOf(r)} · ${costOf(r)} · ${seconds(r.latencyMs)} · ${r.tier} tier${r.downgradedFrom ? ` (downgraded from ${r.downgradedFrom})` : ''}${r.attempts.length > 1 ? ` · ${r.attempts.length} attempts` : ''}`;
		case 'refused':
			return `call ${file}: ${r.model} refused (${r.reason}) · ${r.message}`;
		case 'failed':
			return `call ${file}: ${r.model} failed (${r.reason}) · ${seconds(r.latencyMs)} · ${r.message}`;
	}
}

/** The tooltip's "last call" line. */
export function lastCallText(r: LiveRunResult): string {
	switch (r.kind) {
		case 'answered':
			return `${r.model} · ${costOf(r)} · ${tokensOf(r)}`;
		case 'refused':
			return `${r.model} refused by the ${r.reason === 'unpriced' ? 'budget (no price)' : `${r.reason} budget`}`;
		case 'failed':
			return `${r.model} failed (${r.reason})`;
	}
}

/** The notification for a refused call: the reason with its numbers. */
export function refusalMessage(r: Pick<LiveRefusal, 'reason' | 'message'>): string {
	return `Agent Cost refused the call: ${r.message}`;
}

/** The notification for a failed call. */
export function failureMessage(r: Pick<LiveFailure, 'reason' | 'message' | 'keyMissing'> & { readonly model?: string }): string {
	if (r.keyMissing)
		return `No ${providerLabels[r.keyMissing]} API key is set${r.model ? ` (needed for ${r.model})` : ''}. Run "Agent Cost: Set API Key…" to add one; it is kept only in VS Code's secret storage.`;
	if (r.reason === 'auth') return `The provider rejected the API key${r.model ? ` for ${r.model}` : ''}: ${r.message}`;
	return `The call${r.model ? ` to ${r.model}` : ''} failed (${r.reason}): ${r.message}`;
}

/** The notification for a soft-budget downgrade ("downgraded to X because …"). */
export function downgradeMessage(a: LiveAnswer): string | undefined {
	if (!a.downgradedFrom) return undefined;
	const why = a.explanation.find(e => e.stage === 'budget' && e.rule.startsWith('budget.refused.'));
	return `Agent Cost downgraded this call from ${a.downgradedFrom} to ${a.model} because ${why ? lowerFirst(why.text) : 'the budget could not cover it'}`;
}

function lowerFirst(s: string): string {
	// Only an ordinary capitalized word ("A call…"), never a name such as "OpenAI".
	return /^[A-Z][a-z]*\s/.test(s) ? s[0].toLowerCase() + s.slice(1) : s;
}

/** The once-a-day warning at `warnThreshold`, or undefined below it. */
export function thresholdWarning(status: BudgetStatus, budget: EngineConfig['budget']): string | undefined {
	const d = status.daily;
	if (!budget.enabled || d.limit <= 0) return undefined;
	const ratio = (d.spent + d.reserved) / d.limit;
	if (ratio < budget.warnThreshold) return undefined;
	const over = ratio >= 1;
	return `Agent Cost: today's spend ${formatUsd(d.spent + d.reserved)} has ${over ? 'reached' : 'passed'} ${pct(ratio)} of the ${formatUsd(d.limit)} daily budget (warning at ${pct(budget.warnThreshold)})${over ? `; calls are ${budget.policy === 'warn' ? 'still allowed (warn-only policy)' : 'refused until the next budget day'}` : ''}.`;
}

/** What the answer document shows while the call runs and once it is done. */
export interface AnswerState {
	/** The prompt file, as shown in the header. */
	readonly source: string;
	readonly model?: string;
	/** Streamed text so far (or the final answer). */
	readonly text: string;
	readonly result?: LiveRunResult;
	/** Set when the call was cancelled or the job itself failed. */
	readonly stopped?: string;
	readonly warnings?: readonly string[];
}

/** The answer document (Markdown): a header with model, tokens, cost, routing and budget, then the answer. */
export function answerMarkdown(s: AnswerState): string {
	const r = s.result;
	const lines: string[] = [];
	if (!r) {
		lines.push(`# ${s.stopped ? 'Stopped' : 'Running'}: ${s.source}`, '');
		lines.push(`> ${s.stopped ?? (s.model ? `Streaming from **${s.model}**…` : 'Routing, checking the cache and reserving budget…')}`);
	} else if (r.kind === 'answered') {
		lines.push(`# Answer: ${s.source}`, '');
		lines.push(`> **Model** ${r.model}${r.provider ? ` (${providerLabels[r.provider]})` : ''} · **Tokens** ${tokensOf(r)} · **Cost** ${costOf(r)} · **Latency** ${seconds(r.latencyMs)}`);
		const routing = r.explanation.filter(e => e.stage === 'routing' && e.rule !== 'route.model').map(e => e.text);
		lines.push('>', `> **Routing** ${r.tier === 'pinned' ? `pinned to ${r.routedModel} by the prompt file` : `${r.tier} tier → ${r.routedModel}`}${routing.length ? `: ${routing.join('; ')}` : ''}`);
		const cache = r.explanation.find(e => e.stage === 'cache');
		if (cache) lines.push('>', `> **Cache** ${cache.text}`);
		for (const e of r.explanation.filter(e => e.stage === 'compression')) lines.push('>', `> **Compression** ${e.text}`);
		const budget = r.explanation.filter(e => e.stage === 'budget').map(e => e.text);
		if (budget.length) lines.push('>', `> **Budget** ${budget.join('; ')}`);
		if (r.attempts.length > 1) lines.push('>', `> **Attempts** ${r.attempts.map(a => `${a.model} ${a.outcome}`).join(' → ')}`);
		lines.push(
			'>',
			`> **Today** ${formatUsd(r.status.daily.spent)}${r.status.daily.limit > 0 ? ` of ${formatUsd(r.status.daily.limit)}` : ''} · recorded in \`${r.recordingFile}\`${r.recordError ? ` (⚠ recording failed: ${r.recordError})` : ''}`,
		);
		if (r.finishReason === 'length') lines.push('>', '> ⚠ The answer stopped at the output limit (agentCost.defaults.maxOutputTokens).');
	} else if (r.kind === 'refused') {
		lines.push(
			`# Refused: ${s.source}`,
			'',
			`> **Budget** ${r.message}`,
			'>',
			`> **Today** ${formatUsd(r.status.daily.spent)}${r.status.daily.limit > 0 ? ` of ${formatUsd(r.status.daily.limit)}` : ''} · policy ${r.status.policy}`,
		);
	} else {
		lines.push(`# Failed: ${s.source}`, '', `> ${failureMessage(r)}`);
		if (r.attempts.length) lines.push('>', `> **Attempts** ${r.attempts.map(a => `${a.model} ${a.outcome}`).join(' → ')}`);
	}
	for (const w of s.warnings ?? []) lines.push('>', `> ⚠ ${w}`);
	lines.push('', '---', '');
	if (s.text) lines.push(s.text);
	return lines.join('\n') + '\n';
}

/** "$0.38 → $0.35 per 1,000 calls": a single prompt's input cost is too small to read per call. */
function perThousand(usd: number | null): string {
	return usd === null ? 'no price' : formatUsd(usd * 1000);
}

/** The diff editor's title for a Compress Prompt preview. */
export function compressTitle(fileName: string, p: CompressPreview): string {
	const approx = p.exact ? '' : '≈';
	const change = p.tokensBefore > 0 ? ` (${p.tokensAfter <= p.tokensBefore ? '−' : '+'}${Math.abs(Math.round((1 - p.tokensAfter / p.tokensBefore) * 100))}%)` : '';
	const usd = p.usdBefore === null ? `no price for ${p.model}` : `${perThousand(p.usdBefore)} → ${perThousand(p.usdAfter)} per 1,000 calls`;
	return `${fileName} ↔ ${p.strategy}: ${approx}${formatTokens(p.tokensBefore)} → ${approx}${formatTokens(p.tokensAfter)} tokens sent${change} · ${usd} (${p.model})`;
}

function summaryCallText(p: CompressPreview): string {
	const s = p.summaryCall;
	return s
		? ` The summary call to ${s.model} cost ${withOtherCharges(s.costUsd === undefined ? (s.source === 'provider' ? 'an unknown amount (no price)' : '$0.00 (cache hit)') : formatUsd(s.costUsd, { estimate: s.estimated }), s.otherCharges)}.`
		: '';
}

/** The Apply/Cancel question under the preview. */
export function compressQuestion(fileName: string, p: CompressPreview): string {
	const target = p.targetReached === false ? ' The target ratio was not reached without touching protected text.' : '';
	const note = p.note ? ` ${p.note}` : '';
	return `${compressTitle(fileName, p)}. Apply the compressed text to ${fileName}?${note}${summaryCallText(p)}${target}`;
}

/** What Compress Prompt says instead of a preview when the request would not get smaller. */
export function nothingToSaveMessage(fileName: string, p: CompressPreview): string {
	const approx = p.exact ? '' : '≈';
	return `Agent Cost: ${fileName} (${p.strategy}) — ${p.note ?? 'Nothing to save.'} It sends ${approx}${formatTokens(p.tokensBefore)} tokens to ${p.model}.${summaryCallText(p)}`;
}

/** A Spend view row for a model. */
export function modelRowDescription(m: SpendModelRow): string {
	const parts = [`${m.calls} call${m.calls === 1 ? '' : 's'}`];
	if (m.cacheHits) parts.push(`${m.cacheHits} cache hit${m.cacheHits === 1 ? '' : 's'}`);
	if (m.errors) parts.push(`${m.errors} failed`);
	parts.push(formatUsd(m.costUsd, { estimate: m.estimated }) + (m.unpricedCalls ? ` + ${m.unpricedCalls} unpriced` : ''));
	return parts.join(' · ');
}

/** A Spend view row for a call. */
export function callRowDescription(c: SpendCallRow): string {
	if (c.servedFrom) return `cache hit (${c.servedFrom === 'exactCache' ? 'exact' : 'semantic'}) · $0.00`;
	const approx = c.estimated ? '≈' : '';
	const tokens = `${approx}${formatTokens(c.inputTokens)} → ${approx}${formatTokens(c.outputTokens)} tokens`;
	const cost = c.costUsd === undefined ? 'no price' : formatUsd(c.costUsd, { estimate: c.estimated });
	return `${c.status === 'ok' ? '' : `${c.status}${c.error ? ` (${c.error})` : ''} · `}${tokens} · ${cost}${c.routedModel && c.routedModel !== c.model ? ` · routed ${c.routedModel}` : ''}`;
}
