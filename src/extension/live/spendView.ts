import { DisposableStore } from '../../core/lib/disposable';
import * as vscode from 'vscode';
import type { GatewayRunSummary, GatewaySnapshot } from '../../core/gateway/gatewaySnapshot';
import type { SpendCallRow, SpendEvent, SpendModelRow, SpendReport } from '../../core/live/spendReport';
import { formatUsd } from '../../core/pricing/format';
import type { LiveService } from './liveService';
import { jobErrorMessage } from './liveService';
import { callRowDescription, modelRowDescription } from './liveText';
import { gatewayRunDescription } from '../gateway/gatewayText';

/** The agent gateway's runs, as the Spend view lists them. */
export interface GatewayRunsSource {
	readonly snapshot: GatewaySnapshot | undefined;
	readonly onDidChange: vscode.Event<void>;
}

export const spendViewId = 'agentCost.spendView';

type Node =
	| { readonly kind: 'summary'; readonly report: SpendReport }
	| { readonly kind: 'others'; readonly usd: number }
	| { readonly kind: 'models'; readonly report: SpendReport }
	| { readonly kind: 'model'; readonly row: SpendModelRow; readonly calls: readonly SpendCallRow[] }
	| { readonly kind: 'call'; readonly row: SpendCallRow }
	| { readonly kind: 'events'; readonly events: readonly SpendEvent[] }
	| { readonly kind: 'event'; readonly event: SpendEvent }
	| { readonly kind: 'recording'; readonly file: string }
	| { readonly kind: 'gatewayRuns'; readonly snapshot: GatewaySnapshot }
	| { readonly kind: 'gatewayRun'; readonly run: GatewayRunSummary }
	| { readonly kind: 'error'; readonly message: string };

function time(iso: string | undefined): string {
	if (!iso) return '';
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString();
}

const eventIcons: Record<SpendEvent['kind'], string> = { refused: 'error', warning: 'warning', downgrade: 'arrow-down', overLimit: 'warning', unpriced: 'question' };

/**
 * The Spend view (Explorer): today's live calls of this workspace by model — calls, cache hits,
 * failures, cost — each model expanding to its calls, then the budget events (refusals, downgrades,
 * warnings), and what other windows and workspaces spent against the same daily budget. Loaded from
 * the engine worker (recording + ledger) when visible and after every call.
 */
export class SpendView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
	private report: SpendReport | undefined;
	private error: string | undefined;
	private readonly changed = new vscode.EventEmitter<Node | undefined>();
	private readonly disposables = new DisposableStore();
	private loading: Promise<void> | undefined;
	readonly onDidChangeTreeData = this.changed.event;
	readonly view: vscode.TreeView<Node>;

	constructor(
		private readonly live: LiveService,
		private readonly gateway?: GatewayRunsSource,
	) {
		this.view = vscode.window.createTreeView(spendViewId, { treeDataProvider: this, showCollapseAll: true });
		this.disposables.add(
			this.view,
			this.changed,
			this.view.onDidChangeVisibility(e => e.visible && void this.reload()),
			live.onDidSpend(() => this.view.visible && void this.reload()),
		);
		if (gateway) this.disposables.add(gateway.onDidChange(() => this.changed.fire(undefined)));
	}

	/** The gateway's run rows as the view shows them (for the API and tests). */
	gatewayRunItems(): vscode.TreeItem[] {
		const top = this.getChildren().find(n => n.kind === 'gatewayRuns');
		return top ? this.getChildren(top).map(n => this.getTreeItem(n)) : [];
	}

	/** The report last shown (for the API and tests). */
	get current(): SpendReport | undefined {
		return this.report;
	}

	reload(): Promise<void> {
		this.loading ??= (async () => {
			try {
				this.report = await this.live.spend();
				this.error = undefined;
			} catch (e) {
				this.error = jobErrorMessage(e);
			} finally {
				this.loading = undefined;
			}
			this.view.message = this.error
				? undefined
				: this.report && this.report.totalCalls === 0 && this.report.events.length === 0
					? 'No live calls in this workspace today. Run "Agent Cost: Run Prompt File" on a prompt.'
					: undefined;
			this.changed.fire(undefined);
		})();
		return this.loading;
	}

	getChildren(node?: Node): Node[] {
		if (!node) {
			const gw = this.gateway?.snapshot;
			const runs: Node[] = gw && gw.runs.length ? [{ kind: 'gatewayRuns', snapshot: gw }] : [];
			if (this.error) return [...runs, { kind: 'error', message: this.error }];
			const r = this.report;
			if (!r) return runs;
			const out: Node[] = [...runs, { kind: 'summary', report: r }];
			const others = r.ledger ? r.ledger.spentUsd - r.recordedUsd : 0;
			if (others > 1e-9) out.push({ kind: 'others', usd: others });
			if (r.byModel.length) out.push({ kind: 'models', report: r });
			if (r.events.length) out.push({ kind: 'events', events: r.events });
			if (r.recordingFile) out.push({ kind: 'recording', file: r.recordingFile });
			return out;
		}
		switch (node.kind) {
			case 'models':
				return node.report.byModel.map(row => ({ kind: 'model', row, calls: node.report.calls.filter(c => c.model === row.model) }));
			case 'model':
				return node.calls.map(row => ({ kind: 'call', row }));
			case 'events':
				return node.events.map(event => ({ kind: 'event', event }));
			case 'gatewayRuns':
				return node.snapshot.runs.map(run => ({ kind: 'gatewayRun', run }));
			default:
				return [];
		}
	}

	getTreeItem(node: Node): vscode.TreeItem {
		const None = vscode.TreeItemCollapsibleState.None;
		switch (node.kind) {
			case 'summary': {
				const r = node.report;
				const total = r.ledger ? r.ledger.spentUsd : r.recordedUsd;
				const item = new vscode.TreeItem(`Today: ${formatUsd(total)}`, None);
				item.description = `${r.totalCalls} call${r.totalCalls === 1 ? '' : 's'} here · budget day ${r.day} (${r.timeZone})`;
				item.tooltip = r.ledger
					? `${formatUsd(r.ledger.spentUsd)} spent today by every window and workspace${r.ledger.reservedUsd > 0 ? `, ${formatUsd(r.ledger.reservedUsd)} reserved by calls in flight` : ''}; ${formatUsd(r.recordedUsd)} by the calls recorded in this workspace.`
					: `${formatUsd(r.recordedUsd)} recorded in this workspace (the budget is shared through Redis).`;
				item.iconPath = new vscode.ThemeIcon('credit-card');
				return item;
			}
			case 'others': {
				const item = new vscode.TreeItem('Other windows and workspaces', None);
				item.description = formatUsd(node.usd);
				item.tooltip = 'Spent today against the same daily budget but not recorded in this workspace: other folders and windows, and history summaries made by compression.';
				item.iconPath = new vscode.ThemeIcon('window');
				return item;
			}
			case 'models': {
				const item = new vscode.TreeItem('By model', vscode.TreeItemCollapsibleState.Expanded);
				item.iconPath = new vscode.ThemeIcon('symbol-class');
				return item;
			}
			case 'model': {
				const item = new vscode.TreeItem(node.row.model, node.calls.length ? vscode.TreeItemCollapsibleState.Collapsed : None);
				item.description = modelRowDescription(node.row);
				item.tooltip = `${node.row.model}: ${modelRowDescription(node.row)}; ${node.row.inputTokens.toLocaleString('en-US')} input and ${node.row.outputTokens.toLocaleString('en-US')} output tokens${node.row.estimated ? ' (some counted, ≈)' : ''}`;
				item.iconPath = new vscode.ThemeIcon('hubot');
				return item;
			}
			case 'call': {
				const item = new vscode.TreeItem(time(node.row.at), None);
				item.description = callRowDescription(node.row);
				item.tooltip = `${node.row.at} · ${node.row.model} · ${callRowDescription(node.row)}${node.row.runId ? ` · run ${node.row.runId}` : ''}`;
				item.iconPath = new vscode.ThemeIcon(node.row.servedFrom ? 'database' : node.row.status === 'ok' ? 'pass' : 'error');
				return item;
			}
			case 'events': {
				const item = new vscode.TreeItem(`Budget events (${node.events.length})`, vscode.TreeItemCollapsibleState.Expanded);
				item.iconPath = new vscode.ThemeIcon('law');
				return item;
			}
			case 'event': {
				const item = new vscode.TreeItem(`${time(node.event.at)} ${node.event.kind}`, None);
				item.description = node.event.message;
				item.tooltip = node.event.message;
				item.iconPath = new vscode.ThemeIcon(eventIcons[node.event.kind]);
				return item;
			}
			case 'recording': {
				const item = new vscode.TreeItem("Open today's recording", None);
				item.description = node.file.split(/[\\/]/).pop();
				item.tooltip = `${node.file}: every live call in the product's recording format, replayable in the replay panel.`;
				item.iconPath = new vscode.ThemeIcon('file');
				item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.file)] };
				return item;
			}
			case 'gatewayRuns': {
				const item = new vscode.TreeItem('Agent runs (gateway)', vscode.TreeItemCollapsibleState.Expanded);
				item.description = `${node.snapshot.mode} · ${node.snapshot.url}`;
				item.tooltip = `Runs of agents pointed at the Agent Cost gateway (${node.snapshot.url}, ${node.snapshot.mode} mode). Click a run to replay its recording.`;
				item.iconPath = new vscode.ThemeIcon('pulse');
				return item;
			}
			case 'gatewayRun': {
				const r = node.run;
				const item = new vscode.TreeItem(r.label, None);
				item.description = gatewayRunDescription(r);
				item.tooltip = `${r.runId} (${r.agent}, ${r.source === 'path' ? 'named in the URL' : r.source === 'session' ? "the agent's session" : 'grouped by inactivity'}) · ${gatewayRunDescription(r)}${r.lastDecision ? ` · last decision: ${r.lastDecision}` : ''}${r.recordingFile ? `\n${r.recordingFile}` : ''}`;
				item.iconPath = new vscode.ThemeIcon(r.inFlight ? 'sync~spin' : r.refused ? 'warning' : 'debug-alt');
				if (r.recordingFile) item.command = { command: 'agentCost.replayTranscript', title: 'Replay', arguments: [vscode.Uri.file(r.recordingFile)] };
				return item;
			}
			case 'error': {
				const item = new vscode.TreeItem("Today's spend could not be read", None);
				item.description = node.message;
				item.tooltip = node.message;
				item.iconPath = new vscode.ThemeIcon('error');
				return item;
			}
		}
	}

	dispose(): void {
		this.disposables.dispose();
	}
}
