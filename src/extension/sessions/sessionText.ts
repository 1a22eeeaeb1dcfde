/**
 * Every user-facing text of the Agent Sessions view, its status item and the archive notice, in
 * one place. Pure (no `vscode` import), so it is unit-tested.
 */
import { formatTokens, formatUsd } from '../../core/pricing/format';
import { agentLabels } from '../../core/sessions/agents';
import type { AgentSessionSummary, PeriodTotals, RetentionRisk, SessionsSnapshot } from '../../core/jobs/sessionJobs';
import type { UsageTotals } from '../../core/sessions/sessionReport';
import { TimeBuckets } from '../../core/sessions/timeBuckets';
import type { LiveSessionState } from '../../node/sessions/liveSession';

/** A cost as shown: "no price" when nothing could be priced, ≈ for estimates, + when some calls are unpriced. */
export function costText(usd: number | null, approximate: boolean, unpricedCalls = 0): string {
	if (usd === null) return 'no price';
	return `${formatUsd(usd, { estimate: approximate })}${unpricedCalls > 0 ? '+' : ''}`;
}

function compactTokens(n: number): string {
	if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
	if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
	if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
	return formatTokens(n);
}

/** Input (the whole prompt, cache included) plus output. */
function totalTokens(u: UsageTotals): number {
	return u.input + u.output;
}

export function periodText(p: PeriodTotals): string {
	return `${costText(p.costUsd, p.approximate)} · ${p.sessions} session${p.sessions === 1 ? '' : 's'}`;
}

/** The three groups of the view: today, this week (before today), earlier. */
export type SessionPeriod = 'today' | 'week' | 'earlier';
export const periodLabels: Readonly<Record<SessionPeriod, string>> = { today: 'Today', week: 'This week', earlier: 'Earlier' };

export function periodOf(s: AgentSessionSummary, today: string): SessionPeriod {
	const day = s.lastDay;
	if (day === undefined) return 'earlier';
	if (day === today) return 'today';
	return day >= TimeBuckets.weekOf(today) && day < today ? 'week' : 'earlier';
}

/** The folder's last part ("my-app"), or the whole thing when it has none. */
export function projectLabel(project: string | undefined): string {
	if (!project) return '(unknown folder)';
	const parts = project.split(/[\\/]/).filter(p => p !== '');
	return parts[parts.length - 1] ?? project;
}

function time(iso: string | undefined, timeZone: string): string {
	if (!iso) return '';
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? '' : new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' }).format(d);
}

export function sessionLabel(s: AgentSessionSummary, snapshot: Pick<SessionsSnapshot, 'today' | 'timeZone'>): string {
	const when = s.lastDay === snapshot.today ? time(s.lastAt, snapshot.timeZone) : (s.lastDay ?? '');
	return `${agentLabels[s.agent]} ${when}`.trim();
}

export function sessionDescription(s: AgentSessionSummary): string {
	return `${costText(s.costUsd, s.approximate, s.unpricedCalls)} · ${compactTokens(totalTokens(s.usage))} tok · ${s.calls} call${s.calls === 1 ? '' : 's'}`;
}

/** Markdown. */
export function sessionTooltip(s: AgentSessionSummary): string {
	const u = s.usage;
	const lines = [
		`**${agentLabels[s.agent]} session** \`${s.sessionId}\``,
		'',
		`${s.project ?? 'folder unknown'}`,
		'',
		`${s.firstAt ?? '?'} → ${s.lastAt ?? '?'}`,
		'',
		`${s.calls} API call${s.calls === 1 ? '' : 's'}${s.sidechainCalls > 0 ? ` (${s.sidechainCalls} by subagents)` : ''} · ${s.models.join(', ') || 'no model recorded'}`,
		'',
		`Input ${formatTokens(u.input)} (cache read ${formatTokens(u.cacheRead)}, cache write ${formatTokens(u.cacheWrite)}) · output ${formatTokens(u.output)}${u.reasoning > 0 ? ` (reasoning ${formatTokens(u.reasoning)})` : ''}`,
		'',
		`Cost: ${costText(s.costUsd, s.approximate, s.unpricedCalls)}${s.unpricedCalls > 0 ? ` — ${s.unpricedCalls} call(s) have no price` : ''}`,
	];
	if (s.placeholderCalls > 0) lines.push('', `≈ ${s.placeholderCalls} call(s) recorded a streaming placeholder as their output; counted from the response text instead.`);
	if (s.files.length > 1) lines.push('', `${s.files.length} log files (subagents, resumed or forked copies; each call counted once).`);
	lines.push('', 'Click for the report; ▷ replays it under other settings.');
	return lines.join('\n');
}

export function retentionText(r: RetentionRisk): string {
	const when = r.soonestInDays === 0 ? 'the next time it starts' : `within ${r.soonestInDays} day${r.soonestInDays === 1 ? '' : 's'}`;
	return `Claude Code will delete ${r.files} session log${r.files === 1 ? '' : 's'} ${when} (cleanupPeriodDays = ${r.cleanupPeriodDays}${r.settingsFile ? '' : ', its default'}). Archive them to keep their history and costs.`;
}

export interface SessionStatusView {
	readonly text: string;
	/** Markdown. */
	readonly tooltip: string;
	readonly visible: boolean;
}

/** The status item: the running session of this workspace, else today's total over every agent. */
export function sessionStatusView(live: LiveSessionState, snapshot: SessionsSnapshot | undefined): SessionStatusView {
	const totals = snapshot ? ['', `Today: ${periodText(snapshot.totals.today)} · this month: ${periodText(snapshot.totals.month)}`] : [];
	if (live.kind === 'session') {
		const t = live.tail;
		const agent = agentLabels[t.file.agent];
		const cost = costText(t.costUsd, t.approximate);
		return {
			visible: true,
			text: `$(hubot) ${agent} ${cost} · ${compactTokens(totalTokens(t.usage))} tok`,
			tooltip: [
				`**${agent} session ${live.running ? 'running' : 'last written'} in this workspace**`,
				'',
				`${t.calls} call${t.calls === 1 ? '' : 's'} · ${cost} · ${t.models.join(', ') || 'no model yet'}`,
				'',
				`Input ${formatTokens(t.usage.input)} (cache read ${formatTokens(t.usage.cacheRead)}) · output ${formatTokens(t.usage.output)}`,
				...(t.placeholderCalls > 0 ? ['', `≈ ${t.placeholderCalls} streaming-placeholder output(s) counted from the text`] : []),
				...totals,
				'',
				'Click to show the Agent Sessions view.',
			].join('\n'),
		};
	}
	if (!snapshot) return { visible: false, text: '', tooltip: '' };
	return {
		visible: true,
		text: `$(hubot) Agents today ${costText(snapshot.totals.today.costUsd, snapshot.totals.today.approximate)}`,
		tooltip: ['**Coding agents (Claude Code, Codex, Gemini CLI, pi)**', ...totals, '', 'No agent session in this workspace yet. Click to show the Agent Sessions view.'].join('\n'),
	};
}
