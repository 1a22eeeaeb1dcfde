import { DisposableStore } from '../../core/lib/disposable';
import * as vscode from 'vscode';
import type { EngineSettings } from '../engineSettings';
import type { LiveService } from './liveService';
import { spendStatusView, type SpendStatusView } from './liveText';

const spendStatusItemId = 'agentCost.spend';

/**
 * Today's spend against the daily budget in the status bar (`$0.42 / $5.00`), separate from the
 * token lens item: warning background at `agentCost.budget.warnThreshold`, error background once the
 * daily budget is used up. Refreshed after each call, on settings changes and when the window gets
 * focus (another window or the CLI may have spent in the meantime).
 */
export class SpendStatusBar implements vscode.Disposable {
	readonly item: vscode.StatusBarItem;
	private view: SpendStatusView;
	private readonly disposables = new DisposableStore();
	private lastFocusRefresh = 0;

	constructor(
		private readonly live: LiveService,
		private readonly settings: EngineSettings,
	) {
		this.item = vscode.window.createStatusBarItem(spendStatusItemId, vscode.StatusBarAlignment.Right, 99);
		this.item.name = 'Agent Cost Spend';
		this.item.command = 'agentCost.showSpend';
		this.view = { text: '', tooltip: '', severity: 'ok' };
		// The first render reads the settings: after activation, which must stay cheap.
		const first = setTimeout(() => {
			this.view = this.render();
			this.item.show();
		}, 0);
		this.disposables.add(
			{ dispose: () => clearTimeout(first) },
			this.item,
			live.onDidChangeStatus(() => this.render()),
			settings.onDidChange(e => {
				this.render();
				if (e.affects('agentCost.budget') || e.affects('agentCost.store') || e.affects('agentCost.pricing')) void live.refreshStatus();
			}),
			vscode.window.onDidChangeWindowState(s => {
				if (!s.focused || Date.now() - this.lastFocusRefresh < 30_000) return;
				this.lastFocusRefresh = Date.now();
				void live.refreshStatus();
			}),
		);
	}

	/** What the item shows (for the API and tests). */
	get current(): SpendStatusView {
		return this.view;
	}

	private render(): SpendStatusView {
		const v = spendStatusView(this.live.status, this.settings.config.budget, this.live.lastCall, this.live.error);
		this.view = v;
		this.item.text = v.text;
		this.item.tooltip = new vscode.MarkdownString(v.tooltip);
		this.item.backgroundColor =
			v.severity === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : v.severity === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
		this.item.accessibilityInformation = { label: `Agent Cost: ${v.text.replace(/^\$\([\w-]+\)\s*/, '')} spent today`, role: 'button' };
		return v;
	}

	dispose(): void {
		this.disposables.dispose();
	}
}
