/**
 * Every user-facing text of the agent gateway in the editor: the live-run status bar item, its
 * tooltip, the Spend view's run rows and the agent environment. Pure (no `vscode` import), so it is
 * unit-tested; snapshots carry ids, models and numbers only — never a key, a prompt or an answer.
 */
import { gatewayKeyPlaceholder } from '../../core/gateway/gatewayRoutes';
import type { GatewayRunSummary, GatewaySnapshot } from '../../core/gateway/gatewaySnapshot';
import { formatTokens, formatUsd } from '../../core/pricing/format';

export interface GatewayStatusView {
	/** With a `$(…)` codicon. */
	readonly text: string;
	/** Markdown. */
	readonly tooltip: string;
	readonly severity: 'ok' | 'warning' | 'error';
}

function plural(n: number, word: string): string {
	return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What the run cost: the ledger's number when the budget was read (what limits judge), else the recorded calls'. */
function runSpent(r: GatewayRunSummary): number {
	return r.budget ? r.budget.spent : r.costUsd;
}

/** `$(pulse) run 12 calls · $0.43 / $0.50`: the live run, warning colour at the warn threshold. */
export function gatewayStatusView(snapshot: GatewaySnapshot | undefined, error?: string): GatewayStatusView | undefined {
	if (!snapshot) return error ? { text: '$(debug-disconnect) gateway', tooltip: `**Agent Cost gateway: not reachable**\n\n${error}`, severity: 'warning' } : undefined;
	const run = snapshot.runs.find(r => r.runId === snapshot.liveRunId) ?? snapshot.runs[0];
	const where = `${snapshot.url} · ${snapshot.mode} mode`;
	if (!run) return { text: '$(pulse) gateway', tooltip: `**Agent Cost gateway** — ${where}\n\nNo agent calls yet. "Agent Cost: Copy Agent Environment" points an agent here.`, severity: 'ok' };
	const b = run.budget;
	const spent = formatUsd(runSpent(run), { estimate: run.estimated });
	const money = b && b.limit > 0 ? `${spent} / ${formatUsd(b.limit)}` : spent;
	const text = `$(pulse) run ${plural(run.calls, 'call')} · ${money}`;
	const severity = !b || b.kind === 'disabled' ? 'ok' : b.kind === 'exceeded' ? 'error' : b.ratio >= b.warnThreshold ? 'warning' : 'ok';
	const lines = [
		`**Agent Cost gateway** — run **${run.label}** (${run.agent}${run.inFlight ? `, ${run.inFlight} in flight` : ''})`,
		'',
		`${plural(run.calls, 'call')} · ${formatTokens(run.inputTokens)} input / ${formatTokens(run.outputTokens)} output tokens · ${formatUsd(run.costUsd, { estimate: run.estimated })}${run.estimated ? ' (some usage counted, ≈)' : ''}`,
		...(run.cacheHits ? [`${plural(run.cacheHits, 'cache hit')}`] : []),
		...(run.refused ? [`${plural(run.refused, 'call')} refused by the budget`] : []),
		...(run.unpricedCalls ? [`${plural(run.unpricedCalls, 'call')} without a price (not in the total)`] : []),
		...(run.decisions ? [`${plural(run.decisions, 'policy decision')}; last: ${run.lastDecision ?? ''}`] : []),
		...(b
			? [
					'',
					`Run budget: ${b.limit > 0 ? `${formatUsd(b.spent)} spent, ${formatUsd(b.reserved)} reserved of ${formatUsd(b.limit)}` : 'no limit'} · steps ${b.steps.used}${b.steps.max ? ` of ${b.steps.max}` : ''} · daily ${formatUsd(b.daily.spent)}${b.daily.limit > 0 ? ` of ${formatUsd(b.daily.limit)}` : ''} · ${b.policy}`,
				]
			: []),
		'',
		where,
	];
	return { text, tooltip: lines.join('\n\n'), severity };
}

/** A run row in the Spend view: `12 calls · 45,210 tok · $0.43 · 2 decisions`. */
export function gatewayRunDescription(r: GatewayRunSummary): string {
	const parts = [plural(r.calls, 'call'), `${formatTokens(r.inputTokens + r.outputTokens)} tok`, formatUsd(runSpent(r), { estimate: r.estimated })];
	if (r.inFlight) parts.push(`${r.inFlight} in flight`);
	if (r.refused) parts.push(`${r.refused} refused`);
	if (r.decisions) parts.push(plural(r.decisions, 'decision'));
	return parts.join(' · ');
}

export interface AgentEnvironment {
	readonly env: Readonly<Record<string, string>>;
	/** Shell lines for the clipboard (with a note for Codex, which ignores OPENAI_BASE_URL). */
	readonly text: string;
}

/** The variables that point agents at the gateway (recording into this workspace through its `/w/<key>/` prefix). */
export function agentEnvironment(url: string, workspaceKey: string | undefined, inject: { readonly anthropic: boolean; readonly openai: boolean }): AgentEnvironment {
	const base = workspaceKey ? `${url}/w/${workspaceKey}` : url;
	const env: Record<string, string> = {
		ANTHROPIC_BASE_URL: base,
		OPENAI_BASE_URL: `${base}/v1`,
		...(inject.anthropic && { ANTHROPIC_API_KEY: gatewayKeyPlaceholder }),
		...(inject.openai && { OPENAI_API_KEY: gatewayKeyPlaceholder }),
	};
	const text = [
		'# Agent Cost gateway: agents started with these variables are budgeted, recorded and shown live.',
		...Object.entries(env).map(([k, v]) => `export ${k}=${v}`),
		`# Name a run: put /run/<name> in the base URL, e.g. ${base}/run/my-task`,
		`# Codex ignores OPENAI_BASE_URL: in $CODEX_HOME/config.toml set model_provider = "agentcost" and`,
		`#   [model_providers.agentcost] name = "agentcost", base_url = "${base}/v1", env_key = "OPENAI_API_KEY", wire_api = "responses"`,
		'',
	].join('\n');
	return { env, text };
}
