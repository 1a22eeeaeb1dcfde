import * as vscode from 'vscode';
import type { AgentSessionSummary, SessionsSnapshot } from '../../core/jobs/sessionJobs';
import { periodLabels, periodOf, periodText, projectLabel, retentionText, type SessionPeriod, sessionDescription, sessionLabel, sessionTooltip, costText } from './sessionText';

export const sessionsViewId = 'agentCost.sessionsView';

type Node =
	| { readonly kind: 'period'; readonly period: SessionPeriod; readonly sessions: readonly AgentSessionSummary[] }
	| { readonly kind: 'project'; readonly project: string | undefined; readonly sessions: readonly AgentSessionSummary[] }
	| { readonly kind: 'session'; readonly session: AgentSessionSummary }
	| { readonly kind: 'retention'; readonly text: string }
	| { readonly kind: 'warnings'; readonly warnings: readonly string[] }
	| { readonly kind: 'warning'; readonly text: string }
	| { readonly kind: 'message'; readonly text: string; readonly icon: string };

function sum(sessions: readonly AgentSessionSummary[]): { usd: number | null; approximate: boolean } {
	const priced = sessions.filter(s => s.costUsd !== null);
	return { usd: priced.length > 0 ? priced.reduce((n, s) => n + (s.costUsd ?? 0), 0) : null, approximate: sessions.some(s => s.approximate) };
}

function byLastDesc(a: AgentSessionSummary, b: AgentSessionSummary): number {
	return (b.lastAt ?? '').localeCompare(a.lastAt ?? '');
}

/**
 * The Agent Sessions view (Explorer): every coding-agent session found on this machine, grouped
 * today / this week / earlier, then by project folder; each with calls, tokens, cost and models.
 * A session opens in the transcript report; its ▷ action replays it.
 */
export class SessionsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
	private snapshot: SessionsSnapshot | undefined;
	private error: string | undefined;
	private readonly changed = new vscode.EventEmitter<Node | undefined>();
	readonly onDidChangeTreeData = this.changed.event;
	readonly view: vscode.TreeView<Node>;

	constructor() {
		this.view = vscode.window.createTreeView(sessionsViewId, { treeDataProvider: this, showCollapseAll: true });
	}

	show(snapshot: SessionsSnapshot | undefined, error?: string): void {
		this.snapshot = snapshot;
		this.error = error;
		this.view.description = snapshot
			? `today ${costText(snapshot.totals.today.costUsd, snapshot.totals.today.approximate)} · month ${costText(snapshot.totals.month.costUsd, snapshot.totals.month.approximate)}`
			: undefined;
		this.changed.fire(undefined);
	}

	getChildren(node?: Node): Node[] {
		if (!node) {
			const s = this.snapshot;
			if (this.error) return [{ kind: 'message', text: this.error, icon: 'error' }];
			if (!s) return [{ kind: 'message', text: 'Reading agent session logs…', icon: 'loading~spin' }];
			const out: Node[] = s.retention.map(r => ({ kind: 'retention', text: retentionText(r) }));
			if (s.sessions.length === 0) {
				out.push({ kind: 'message', text: `No Claude Code, Codex, Gemini CLI or pi sessions found (${s.folders.length} folder${s.folders.length === 1 ? '' : 's'} searched).`, icon: 'info' });
			}
			for (const period of ['today', 'week', 'earlier'] as const) {
				const sessions = s.sessions.filter(x => periodOf(x, s.today) === period);
				if (sessions.length > 0 || period === 'today') out.push({ kind: 'period', period, sessions });
			}
			if (s.warnings.length > 0) out.push({ kind: 'warnings', warnings: s.warnings });
			return out;
		}
		switch (node.kind) {
			case 'period': {
				const projects = new Map<string, AgentSessionSummary[]>();
				for (const x of node.sessions) {
					const key = x.project ?? '';
					projects.set(key, [...(projects.get(key) ?? []), x]);
				}
				return [...projects.entries()]
					.map(([project, sessions]) => ({ kind: 'project' as const, project: project || undefined, sessions: [...sessions].sort(byLastDesc) }))
					.sort((a, b) => byLastDesc(a.sessions[0], b.sessions[0]));
			}
			case 'project':
				return node.sessions.map(session => ({ kind: 'session', session }));
			case 'warnings':
				return node.warnings.map(text => ({ kind: 'warning', text }));
			default:
				return [];
		}
	}

	getTreeItem(node: Node): vscode.TreeItem {
		const None = vscode.TreeItemCollapsibleState.None;
		switch (node.kind) {
			case 'period': {
				const item = new vscode.TreeItem(periodLabels[node.period], node.period === 'earlier' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
				const totals = this.snapshot?.totals;
				const t = sum(node.sessions);
				item.description = node.period === 'today' && totals ? periodText(totals.today) : `${costText(t.usd, t.approximate)} · ${node.sessions.length} session${node.sessions.length === 1 ? '' : 's'}`;
				item.iconPath = new vscode.ThemeIcon(node.period === 'today' ? 'calendar' : 'history');
				item.id = `period:${node.period}`;
				return item;
			}
			case 'project': {
				const item = new vscode.TreeItem(projectLabel(node.project), vscode.TreeItemCollapsibleState.Collapsed);
				const t = sum(node.sessions);
				item.description = `${costText(t.usd, t.approximate)} · ${node.sessions.length} session${node.sessions.length === 1 ? '' : 's'}`;
				item.tooltip = node.project ?? 'The logs do not say which folder these sessions ran in.';
				item.iconPath = vscode.ThemeIcon.Folder;
				return item;
			}
			case 'session': {
				const s = node.session;
				const item = new vscode.TreeItem(this.snapshot ? sessionLabel(s, this.snapshot) : s.sessionId, None);
				item.description = sessionDescription(s);
				item.tooltip = new vscode.MarkdownString(sessionTooltip(s));
				item.iconPath = new vscode.ThemeIcon(s.sidechainCalls > 0 ? 'type-hierarchy-sub' : 'hubot');
				item.contextValue = 'agentSession';
				item.id = `session:${s.agent}:${s.sessionId}`;
				if (s.file) {
					item.resourceUri = vscode.Uri.file(s.file);
					item.command = { command: 'agentCost.openTranscriptReport', title: 'Open Report', arguments: [vscode.Uri.file(s.file)] };
				}
				return item;
			}
			case 'retention': {
				const item = new vscode.TreeItem('Session logs will be deleted soon', None);
				item.description = node.text;
				item.tooltip = node.text;
				item.iconPath = new vscode.ThemeIcon('warning');
				item.command = { command: 'agentCost.sessions.archive', title: 'Archive Agent Sessions' };
				return item;
			}
			case 'warnings': {
				const item = new vscode.TreeItem(`Problems reading logs (${node.warnings.length})`, vscode.TreeItemCollapsibleState.Collapsed);
				item.iconPath = new vscode.ThemeIcon('warning');
				return item;
			}
			case 'warning': {
				const item = new vscode.TreeItem(node.text, None);
				item.tooltip = node.text;
				return item;
			}
			case 'message': {
				const item = new vscode.TreeItem(node.text, None);
				item.tooltip = node.text;
				item.iconPath = new vscode.ThemeIcon(node.icon);
				return item;
			}
		}
	}

	dispose(): void {
		this.view.dispose();
		this.changed.dispose();
	}
}
