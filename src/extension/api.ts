import { createHash, timingSafeEqual } from 'node:crypto';
import type { PanelPong } from '../protocol/engineInfo';
import type { IpcCommand, IpcRequest, IpcResponse } from '../protocol/ipc';
import type { ProbeState, ReplayRunOutcome, ReplaySnapshot, TranscriptState } from '../protocol/replay';
import type { LivePaths, MetricsEndpointState } from '../core/jobs/liveJobs';
import type { SessionsSnapshot } from '../core/jobs/sessionJobs';
import type { LiveSessionState } from '../node/sessions/liveSession';
import type { SessionStatusView } from './sessions/sessionText';
import type { SpendReport } from '../core/live/spendReport';
import type { GatewaySnapshot } from '../core/gateway/gatewaySnapshot';
import type { ProviderMessage } from '../core/ports/llmTransport';
import type * as vscode from 'vscode';
import type { Container } from './container';
import type { LensSnapshot, LensStatsReport, VersionTimes } from './lens/promptLens';
import type { ProviderId } from './secrets';

/**
 * What `activate()` returns to any extension: read-only token counts and spend. Nothing here
 * writes, sends text anywhere or touches a key — an installed extension cannot use this API to
 * overwrite, delete or test the stored keys, nor to spend the user's money.
 */
export interface AgentCostApi {
	/** The status-bar lens: what it shows now (text, tooltip). */
	readonly statusBar: { readonly id: string; readonly text: string; readonly tooltip: string | undefined };
	/** The prompt lens's latest count, and an event on every render. */
	readonly lens: Pick<LensApi, 'snapshot' | 'onDidRender'>;
	/** Today's spend against the budget, and the Spend view's report. */
	readonly spend: {
		readonly status: LiveApi['spendStatus'];
		report(): Promise<SpendReport | undefined>;
	};
	/**
	 * The test surface ({@link AgentCostTestApi}): present ONLY when VS Code runs the extension
	 * under its test runner (`ExtensionMode.Test`, set by `--extensionTestsPath`), which no other
	 * extension can switch on.
	 */
	readonly testing?: AgentCostTestApi;
}

/**
 * Everything the integration tests and the lens benchmark drive (they cannot read status bar items
 * or webviews, or type into SecretStorage prompts, through the public VS Code API). Never returns a
 * secret; exists only under the test runner.
 */
export interface AgentCostTestApi {
	readonly statusBar: { readonly id: string; readonly text: string; readonly tooltip: string | undefined };
	readonly replayPanelOpen: boolean;
	/**
	 * Health check of the replay panel: the host posts a ping, the panel's script answers with what it
	 * rendered. Rejects with `PanelHealthError` ('notOpen' | 'noAnswer').
	 */
	pingReplayPanel(timeoutMs?: number): Promise<PanelPong>;
	/** The replay panel's host side (see {@link ReplayApi}). */
	readonly replay: ReplayApi;
	/**
	 * Provider keys in SecretStorage. Values go in but never come out: `matches` compares digests in
	 * constant time, so automation can verify a key without any caller being able to read it.
	 */
	readonly secrets: {
		store(provider: ProviderId, value: string): Promise<void>;
		delete(provider: ProviderId): Promise<void>;
		has(provider: ProviderId): Promise<boolean>;
		matches(provider: ProviderId, candidate: string): Promise<boolean>;
	};
	/** Live calls and spend (see {@link LiveApi}). */
	readonly live: LiveApi;
	/** The status-bar token/cost lens (see {@link LensApi}). */
	readonly lens: LensApi;
	/** The agent gateway (see {@link GatewayApi}). */
	readonly gateway: GatewayApi;
	/** Coding-agent sessions (see {@link SessionsApi}). */
	readonly sessions: SessionsApi;
}

/** The agent gateway as automation sees it — never its control token, never a key. */
export interface GatewayApi {
	/** The gateway this window is attached to. */
	readonly state: { readonly url: string; readonly mode: 'observe' | 'enforce'; readonly pid: number } | undefined;
	/** Its latest runs snapshot. */
	readonly snapshot: GatewaySnapshot | undefined;
	/** The live-run status bar item. */
	readonly status: { readonly id: string; readonly text: string; readonly tooltip: string; readonly severity: 'ok' | 'warning' | 'error' } | undefined;
	readonly onDidChange: vscode.Event<void>;
	/** Starts the machine's gateway or attaches to the running one. */
	start(): Promise<{ readonly url: string; readonly mode: 'observe' | 'enforce'; readonly pid: number }>;
	/** Stops it after its calls in flight; false when none runs. */
	stop(): Promise<boolean>;
	/** The variables "Copy Agent Environment" sets. */
	agentEnvironment(): { readonly env: Readonly<Record<string, string>>; readonly text: string } | undefined;
	/** The Spend view's run rows: label, description and the command a click runs. */
	spendViewRuns(): { readonly label: string; readonly description: string; readonly command?: { readonly command: string; readonly arguments: readonly unknown[] } }[];
}

/** The Agent Sessions view and the running-session status item, read-only (numbers and paths, never log contents). */
export interface SessionsApi {
	/** What the status item shows now. */
	readonly status: SessionStatusView & { readonly id: string };
	/** The running session of this workspace as last read. */
	readonly live: LiveSessionState;
	/** The last scan. */
	readonly snapshot: SessionsSnapshot | undefined;
	/** Rescans (the view updates) and returns the new snapshot. */
	refresh(): Promise<SessionsSnapshot | undefined>;
}

/** The status-bar lens, read-only: what it shows and how long its work took on the host's thread. */
export interface LensApi {
	/** What the status bar shows now; undefined when the active editor is not a prompt file. */
	readonly snapshot: LensSnapshot | undefined;
	/** Fires after every render of a prompt file's count. */
	readonly onDidRender: vscode.Event<LensSnapshot>;
	/** Activation time and per-handler host-thread time (median/p95/max). */
	stats(): LensStatsReport;
	/** The raw host-thread durations (ms) of one handler (`change`, `selection`, `answer`, `render`, `open`…), oldest first. */
	samples(handler: string): readonly number[];
	/** When each version of a prompt document reached the host, was counted and rendered. */
	timeline(uri: string): readonly VersionTimes[];
}

/** Live calls as automation sees them: spend status, folders and reports — never a key or a prompt. */
export interface LiveApi {
	/** The spend status bar item (separate from the lens item): `$0.42 / $5.00`, severity = its background. */
	readonly spendStatus: { readonly id: string; readonly text: string; readonly tooltip: string; readonly severity: 'ok' | 'warning' | 'error' };
	/** Where the ledger, caches and recordings of the current workspace are kept. */
	readonly paths: LivePaths;
	/** The Prometheus endpoint's state, once configured. */
	readonly metrics: MetricsEndpointState | undefined;
	/** Re-reads today's budget status (the status bar updates). */
	refreshStatus(): Promise<void>;
	/** Reloads and returns the Spend view's report. */
	spendReport(): Promise<SpendReport | undefined>;
	/** Exact Claude prompt tokens via Anthropic's countTokens (needs the Anthropic key; sends the prompt). */
	countExactClaude(model: string, messages: readonly ProviderMessage[]): Promise<{ readonly model: string; readonly tokens: number; readonly exact: true }>;
}

/**
 * The replay panel as its webview sees it, for automation and the integration tests (which cannot
 * post into a webview): requests go through the very handlers and error mapping the webview's
 * messages use. Snapshots hold transcript numbers and replay settings only — never a secret.
 */
export interface ReplayApi {
	/** The open panel's state, or undefined when it is closed. */
	snapshot(): ReplaySnapshot | undefined;
	/** States of the open transcript custom editors ("Open With"). */
	editorSnapshots(): readonly ReplaySnapshot[];
	/** Sends a request as the panel's webview would; resolves with the host's response (`ok: false` carries reason + text). */
	request<P, R>(descriptor: IpcRequest<P, R>, params: P): Promise<IpcResponse<R>>;
	/** Sends a command (e.g. cancel) as the panel's webview would; false when the panel is closed. */
	command<P>(descriptor: IpcCommand<P>, params: P): boolean;
	/** Resolves when the panel's transcript import (if any) finished: open or failed. */
	whenTranscriptOpened(): Promise<TranscriptState | undefined>;
	/** Resolves when a run of the panel ends (undefined for an unknown run id). */
	whenRunFinished(runId: string): Promise<ReplayRunOutcome | undefined>;
	/** Resolves when the panel's running shadow probe (if any) ends, with its state. */
	whenProbeFinished(): Promise<ProbeState | null | undefined>;
}

function digest(text: string): Buffer {
	return createHash('sha256').update(text, 'utf8').digest();
}

/** The public API, with the test surface only under the test runner (see {@link AgentCostApi.testing}). */
export function createApi(container: Container, testMode: boolean): AgentCostApi {
	const testing = createTestApi(container);
	return {
		get statusBar() {
			return testing.statusBar;
		},
		lens: {
			get snapshot() {
				return container.lens.snapshot;
			},
			onDidRender: container.lens.onDidRender,
		},
		spend: {
			get status() {
				return testing.live.spendStatus;
			},
			report: () => testing.live.spendReport(),
		},
		...(testMode && { testing }),
	};
}

function createTestApi(container: Container): AgentCostTestApi {
	return {
		get statusBar() {
			const tooltip = container.statusItem.tooltip;
			return { id: container.statusItem.id, text: container.statusItem.text, tooltip: typeof tooltip === 'string' ? tooltip : tooltip?.value };
		},
		get replayPanelOpen() {
			return container.replayPanel.isOpen;
		},
		pingReplayPanel: timeoutMs => container.replayPanel.ping(timeoutMs),
		replay: {
			snapshot: () => container.replayPanel.current?.snapshot(),
			editorSnapshots: () => container.transcriptEditors.openSessions.map(s => s.snapshot()),
			request: async <P, R>(descriptor: IpcRequest<P, R>, params: P) => {
				const session = container.replayPanel.current;
				if (!session) return { ok: false, error: 'The replay panel is not open.' } satisfies IpcResponse<R>;
				return (await session.controller.answer(descriptor.method, params)) as IpcResponse<R>;
			},
			command: (descriptor, params) => container.replayPanel.current?.controller.deliver(descriptor.method, params) ?? false,
			whenTranscriptOpened: async () => container.replayPanel.current?.whenOpened(),
			whenRunFinished: async runId => container.replayPanel.current?.whenFinished(runId),
			whenProbeFinished: async () => container.replayPanel.current?.whenProbeFinished(),
		},
		secrets: {
			store: async (provider, value) => container.secrets.store(provider, value),
			delete: async provider => container.secrets.delete(provider),
			has: provider => container.secrets.has(provider),
			matches: async (provider, candidate) => {
				const stored = await container.secrets.get(provider);
				return stored !== undefined && timingSafeEqual(digest(stored), digest(candidate));
			},
		},
		live: {
			get spendStatus() {
				return { id: container.live.statusBar.item.id, ...container.live.statusBar.current };
			},
			get paths() {
				return container.live.live.paths();
			},
			get metrics() {
				return container.live.live.metrics;
			},
			refreshStatus: () => container.live.live.refreshStatus(),
			spendReport: async () => {
				await container.live.spendView.reload();
				return container.live.spendView.current;
			},
			countExactClaude: (model, messages) => container.live.live.countExactClaude(model, messages),
		},
		gateway: {
			get state() {
				const s = container.gateway.state;
				return s && { url: s.url, mode: s.mode, pid: s.pid };
			},
			get snapshot() {
				return container.gateway.snapshot;
			},
			get status() {
				const v = container.gateway.status;
				return v && { id: container.gateway.item.id, ...v };
			},
			onDidChange: container.gateway.onDidChange,
			start: async () => {
				const s = await container.gateway.start();
				return { url: s.url, mode: s.mode, pid: s.pid };
			},
			stop: () => container.gateway.stop(),
			agentEnvironment: () => container.gateway.agentEnvironment(),
			spendViewRuns: () =>
				container.live.spendView.gatewayRunItems().map(i => ({
					label: typeof i.label === 'string' ? i.label : (i.label?.label ?? ''),
					description: typeof i.description === 'string' ? i.description : '',
					...(i.command && { command: { command: i.command.command, arguments: i.command.arguments ?? [] } }),
				})),
		},
		lens: {
			get snapshot() {
				return container.lens.snapshot;
			},
			onDidRender: container.lens.onDidRender,
			stats: () => container.lens.statsReport(),
			samples: handler => container.lens.stats.list(handler),
			timeline: uri => container.lens.timeline(uri),
		},
		sessions: {
			get status() {
				return { id: container.sessions.item.id, ...container.sessions.status };
			},
			get live() {
				return container.sessions.liveWatcher?.state ?? { kind: 'none' };
			},
			get snapshot() {
				return container.sessions.snapshot;
			},
			refresh: () => container.sessions.refresh(),
		},
	};
}
