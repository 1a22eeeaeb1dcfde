import * as vscode from 'vscode';
import type { EngineJobs } from '../../core/jobs/engineJobs';
import type { AgentSessionSummary, SessionFolders, SessionsSnapshot } from '../../core/jobs/sessionJobs';
import type { JobWorkerClient } from '../../node/jobWorkerClient';
import { LiveSessionWatcher } from '../../node/sessions/liveSession';
import type { EngineSettings } from '../engineSettings';
import { jobErrorMessage } from '../live/liveService';
import { retentionText, sessionStatusView, type SessionStatusView } from './sessionText';
import { sessionsViewId, SessionsView } from './sessionsView';

const sessionStatusItemId = 'agentCost.agentSession';

/** The first scan waits this long after activation (the worker starts then, not during activation). */
const firstScanDelayMs = 2000;
/** The index is refreshed this often (incremental: only changed files are read). */
const rescanMs = 5 * 60 * 1000;
const noticeDayKey = 'agentCost.sessions.retentionNoticeDay';

/**
 * Agent sessions in the editor: the Agent Sessions view, the status item for this workspace's
 * running session (followed as the agent writes it), the Archive Agent Sessions command and the
 * notice before Claude Code's cleanup deletes history. Everything is read in the engine worker;
 * built by the container, owns its disposables.
 */
export class SessionsFeature implements vscode.Disposable {
	readonly view: SessionsView;
	readonly item: vscode.StatusBarItem;
	private live: LiveSessionWatcher | undefined;
	private snapshotValue: SessionsSnapshot | undefined;
	private scanning: Promise<SessionsSnapshot | undefined> | undefined;
	private statusValue: SessionStatusView = { visible: false, text: '', tooltip: '' };
	private readonly disposables: vscode.Disposable[] = [];

	constructor(
		private readonly deps: {
			readonly context: vscode.ExtensionContext;
			readonly log: vscode.LogOutputChannel;
			readonly settings: EngineSettings;
			readonly engine: () => JobWorkerClient<EngineJobs>;
		},
	) {
		const own = <T extends vscode.Disposable>(d: T): T => {
			this.disposables.push(d);
			return d;
		};
		this.view = own(new SessionsView());
		this.item = own(vscode.window.createStatusBarItem(sessionStatusItemId, vscode.StatusBarAlignment.Right, 98));
		this.item.name = 'Agent Cost: Agent Session';
		this.item.command = 'agentCost.sessions.show';
		own(vscode.commands.registerCommand('agentCost.sessions.refresh', () => this.refresh()));
		own(
			vscode.commands.registerCommand('agentCost.sessions.show', async () => {
				await vscode.commands.executeCommand(`${sessionsViewId}.focus`);
				return this.refresh();
			}),
		);
		own(vscode.commands.registerCommand('agentCost.sessions.archive', () => this.archive()));
		own(vscode.commands.registerCommand('agentCost.sessions.replay', (arg?: unknown) => this.openSession('agentCost.replayTranscript', arg)));
		own(vscode.commands.registerCommand('agentCost.sessions.openReport', (arg?: unknown) => this.openSession('agentCost.openTranscriptReport', arg)));
		own(this.view.view.onDidChangeVisibility(e => e.visible && void this.refresh()));
		own(
			deps.settings.onDidChange(e => {
				if (!e.affects('agentCost.sessions') && !e.affects('agentCost.pricing')) return;
				this.applyEnabled();
				void this.refresh();
				void this.live?.locate();
			}),
		);
		const first = setTimeout(() => {
			this.applyEnabled();
			void this.refresh();
		}, firstScanDelayMs);
		const timer = setInterval(() => void this.refresh(), rescanMs);
		own({ dispose: () => (clearTimeout(first), clearInterval(timer)) });
	}

	/** The last scan (for the API and tests). */
	get snapshot(): SessionsSnapshot | undefined {
		return this.snapshotValue;
	}

	/** What the status item shows (for the API and tests). */
	get status(): SessionStatusView {
		return this.statusValue;
	}

	get liveWatcher(): LiveSessionWatcher | undefined {
		return this.live;
	}

	private get enabled(): boolean {
		return this.deps.settings.config.sessions.enabled;
	}

	private folders(): SessionFolders {
		const s = this.deps.settings.config.sessions;
		return { claude: s.claudeDirs, codex: s.codexDirs, gemini: s.geminiDirs, pi: s.piDirs };
	}

	private timeZone(): string {
		return this.deps.settings.config.sessions.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone;
	}

	/** Starts or stops following this workspace's running session as the setting says. */
	private applyEnabled(): void {
		const folder = vscode.workspace.workspaceFolders?.[0];
		if (this.enabled && folder?.uri.scheme === 'file' && !this.live) {
			this.live = new LiveSessionWatcher({
				run: (job, params) => this.deps.engine().run(job, params as never) as never,
				workspace: folder.uri.fsPath,
				folders: () => this.folders(),
				timeZone: () => this.timeZone(),
				overrides: () => this.deps.settings.priceOverrides(),
				onError: e => this.deps.log.warn(`agent sessions: following the running session failed: ${jobErrorMessage(e)}`),
			});
			this.disposables.push(
				this.live,
				this.live.onDidChange(() => this.render()),
			);
			void this.live.start();
		} else if (!this.enabled && this.live) {
			this.live.dispose();
			this.live = undefined;
		}
		this.render();
	}

	/** Rescans (incrementally, in the engine worker) and updates the view and status. */
	refresh(): Promise<SessionsSnapshot | undefined> {
		if (!this.enabled) {
			this.snapshotValue = undefined;
			this.view.show(undefined, 'Agent sessions are off (agentCost.sessions.enabled).');
			this.render();
			return Promise.resolve(undefined);
		}
		this.scanning ??= (async () => {
			try {
				const s = this.deps.settings.config.sessions;
				const snapshot = await this.deps.engine().run('sessions/scan', {
					folders: this.folders(),
					timeZone: this.timeZone(),
					overrides: await this.deps.settings.priceOverrides(),
					...(s.archiveFolder && { archiveFolder: s.archiveFolder }),
					retentionNoticeDays: s.retentionNoticeDays,
				});
				this.snapshotValue = snapshot;
				this.view.show(snapshot);
				for (const w of snapshot.warnings.slice(0, 20)) this.deps.settings.warnOnce(`agent sessions: ${w}`);
				void this.noticeRetention(snapshot);
				return snapshot;
			} catch (e) {
				this.view.show(this.snapshotValue, `Agent session logs could not be read: ${jobErrorMessage(e)}`);
				return undefined;
			} finally {
				this.scanning = undefined;
				this.render();
			}
		})();
		return this.scanning;
	}

	private render(): void {
		const v = sessionStatusView(this.live?.state ?? { kind: 'none' }, this.snapshotValue);
		this.statusValue = this.enabled ? v : { visible: false, text: '', tooltip: '' };
		this.item.text = this.statusValue.text;
		this.item.tooltip = new vscode.MarkdownString(this.statusValue.tooltip);
		this.item.accessibilityInformation = { label: `Agent Cost: ${this.statusValue.text.replace(/^\$\([\w-]+\)\s*/, '')}`, role: 'button' };
		if (this.statusValue.visible) this.item.show();
		else this.item.hide();
	}

	/** Once a day at most: Claude Code is about to delete session logs that have no archived copy. */
	private async noticeRetention(snapshot: SessionsSnapshot): Promise<void> {
		const risk = snapshot.retention[0];
		if (!risk || this.deps.context.globalState.get<string>(noticeDayKey) === snapshot.today) return;
		await this.deps.context.globalState.update(noticeDayKey, snapshot.today);
		const choice = await vscode.window.showWarningMessage(retentionText(risk), 'Archive…');
		if (choice === 'Archive…') await this.archive();
	}

	/** Archive Agent Sessions: gzip copies of every session log into a folder the user picks. */
	async archive(): Promise<void> {
		const configured = this.deps.settings.config.sessions.archiveFolder;
		const picked = await vscode.window.showOpenDialog({
			canSelectFiles: false,
			canSelectFolders: true,
			canSelectMany: false,
			openLabel: 'Archive Here',
			title: 'Archive agent session logs (compressed copies; the originals are not touched)',
			...(configured && { defaultUri: vscode.Uri.file(configured) }),
		});
		const dest = picked?.[0];
		if (!dest) return;
		if (dest.fsPath !== configured) await vscode.workspace.getConfiguration('agentCost').update('sessions.archiveFolder', dest.fsPath, vscode.ConfigurationTarget.Global);
		try {
			const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Archiving agent sessions', cancellable: true }, (progress, token) => {
				const abort = new AbortController();
				token.onCancellationRequested(() => abort.abort());
				let last = 0;
				return this.deps.engine().run(
					'sessions/archive',
					{ dest: dest.fsPath, folders: this.folders() },
					{
						signal: abort.signal,
						onProgress: p => {
							const pct = (p.files / Math.max(1, p.totalFiles)) * 100;
							progress.report({ increment: pct - last, message: `${p.files} of ${p.totalFiles} files` });
							last = pct;
						},
					},
				);
			});
			const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
			const text = `Archived ${result.copied} session log${result.copied === 1 ? '' : 's'} to ${result.dest} (${mb(result.bytesIn)} → ${mb(result.bytesOut)}); ${result.unchanged} already up to date.`;
			this.deps.log.info(text);
			if (result.failed.length > 0) {
				for (const f of result.failed) this.deps.log.warn(`archive: ${f}`);
				void vscode.window.showWarningMessage(`${text} ${result.failed.length} could not be copied (see the Agent Cost log).`);
			} else void vscode.window.showInformationMessage(text);
			void this.refresh();
		} catch (e) {
			void vscode.window.showErrorMessage(`Archiving agent sessions failed: ${jobErrorMessage(e)}`);
		}
	}

	/** A session node of the view (or a file Uri) opened with a transcript command. */
	private async openSession(command: string, arg: unknown): Promise<unknown> {
		const session = (arg as { session?: AgentSessionSummary } | undefined)?.session;
		const uri = arg instanceof vscode.Uri ? arg : session?.file ? vscode.Uri.file(session.file) : undefined;
		if (!uri) return undefined;
		return vscode.commands.executeCommand(command, uri);
	}

	dispose(): void {
		for (const d of this.disposables.splice(0).reverse()) d.dispose();
	}
}
