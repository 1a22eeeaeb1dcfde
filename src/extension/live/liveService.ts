import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { BudgetStatus } from '../../core/budget/budgetGuard';
import type { EngineJobs } from '../../core/jobs/engineJobs';
import { EngineJobError } from '../../core/jobs/jobProtocol';
import { CancelledError, describeError } from '../../core/lib/errors';
import type {
	CompressPromptParams,
	CompressPromptResult,
	LiveJobs,
	LivePaths,
	LiveRunParams,
	LiveRunProgress,
	LiveRunResult,
	MetricsEndpointState,
	ProbeParams,
	SecretId,
} from '../../core/jobs/liveJobs';
import type { SpendReport } from '../../core/live/spendReport';
import type { ProviderMessage } from '../../core/ports/llmTransport';
import type { ToolDefinitionLike } from '../../core/tokens/types';
import type { JobWorkerClient } from '../../node/jobWorkerClient';
import { runLiveJob } from '../../node/liveJobClient';
import type { EngineSettings } from '../engineSettings';
import type { Secrets } from '../secrets';
import { requireTrust } from '../workspaceTrust';
import { livePaths } from './livePaths';
import { callLogLine, downgradeMessage, failureMessage, lastCallText, refusalMessage, thresholdWarning, type LastCallInfo } from './liveText';

export interface LiveServiceDeps {
	readonly context: vscode.ExtensionContext;
	readonly log: vscode.LogOutputChannel;
	readonly secrets: Secrets;
	readonly settings: EngineSettings;
	/** The shared engine worker client (created on first use by the container). */
	readonly engine: () => JobWorkerClient<EngineJobs>;
}

const warnedDayKey = 'agentCost.spend.warnedDay';
const recordingsNoticeKey = 'agentCost.recordings.noticeShown';

/** The message of an error from the worker, for the user (typed errors keep their own sentence). */
export function jobErrorMessage(e: unknown): string {
	if (EngineJobError.is(e) && e.original) return e.original.message;
	return describeError(e);
}

/**
 * The host side of live calls: runs the engine worker's live jobs with the current settings and
 * folders, hands keys over from SecretStorage one request at a time, logs one line per call,
 * announces budget decisions (refusal, downgrade, the daily warning once a day) and keeps today's
 * budget status for the status bar and the Spend view.
 */
export class LiveService implements vscode.Disposable {
	private current: BudgetStatus | undefined;
	private statusError: string | undefined;
	private last: LastCallInfo | undefined;
	private readonly statusChanged = new vscode.EventEmitter<void>();
	private readonly spendChanged = new vscode.EventEmitter<void>();
	private metricsState: MetricsEndpointState | undefined;
	private statusRequest: Promise<void> | undefined;
	private readonly storeWarningsShown = new Set<string>();
	/** Fires when today's status (or the last call) changed. */
	readonly onDidChangeStatus = this.statusChanged.event;
	/** Fires after every live call (the Spend view reloads). */
	readonly onDidSpend = this.spendChanged.event;

	constructor(private readonly deps: LiveServiceDeps) {}

	get status(): BudgetStatus | undefined {
		return this.current;
	}

	get error(): string | undefined {
		return this.statusError;
	}

	get lastCall(): LastCallInfo | undefined {
		return this.last;
	}

	get metrics(): MetricsEndpointState | undefined {
		return this.metricsState;
	}

	paths(uri?: vscode.Uri): LivePaths {
		const paths = livePaths(this.deps.context, uri);
		const priceFileSha256 = this.deps.settings.priceFileSha256(paths.workspaceDir);
		return priceFileSha256 ? { ...paths, priceFileSha256 } : paths;
	}

	private keyOptions() {
		return {
			keys: this.deps.secrets,
			onKeyError: (secret: SecretId) => this.deps.log.warn(`the ${secret} secret could not be handed to the engine worker`),
		};
	}

	/**
	 * One live call. Refusals and failures are results (also announced and logged here); throws
	 * {@link CancelledError} when cancelled and an error when the engine could not run at all.
	 */
	async run(
		request: Omit<LiveRunParams, 'config' | 'paths'>,
		options: { readonly uri?: vscode.Uri; readonly label: string; readonly signal?: AbortSignal; readonly onProgress?: (p: Exclude<LiveRunProgress, { type: 'keyRequest' }>) => void },
	): Promise<LiveRunResult> {
		requireTrust('liveCalls');
		let result: LiveRunResult;
		try {
			result = await runLiveJob(
				this.deps.engine(),
				'live/run',
				{ ...request, config: this.deps.settings.config, paths: this.paths(options.uri) },
				{ ...this.keyOptions(), signal: options.signal, onProgress: options.onProgress },
			);
		} catch (e) {
			if (CancelledError.is(e)) this.deps.log.info(`call ${options.label}: cancelled`);
			else this.deps.log.error(`call ${options.label}: the engine could not run it: ${jobErrorMessage(e)}`);
			this.spendChanged.fire();
			void this.refreshStatus();
			throw e;
		}
		this.afterCall(result, options.label);
		return result;
	}

	/** The Compress Prompt preview (offline strategies, or `summarize`: a budgeted call to the cheap tier). */
	async compress(
		request: Omit<CompressPromptParams, 'config' | 'paths'>,
		options: { readonly uri?: vscode.Uri; readonly label: string; readonly signal?: AbortSignal },
	): Promise<CompressPromptResult> {
		if (request.strategy === 'summarize') requireTrust('summary');
		const result = await runLiveJob(
			this.deps.engine(),
			'compress/prompt',
			{ ...request, config: this.deps.settings.config, paths: this.paths(options.uri) },
			{ ...this.keyOptions(), signal: options.signal },
		);
		if (request.strategy === 'summarize') {
			if (result.kind === 'compressed') {
				const cost = result.summaryCall?.costUsd;
				this.deps.log.info(
					`compress ${options.label}: summarized by ${result.summaryCall?.model} · ${result.tokensBefore} → ${result.tokensAfter} tokens · summary call ${cost === undefined ? 'unpriced or cached' : `$${cost.toFixed(6)}`}`,
				);
			} else this.deps.log.warn(`compress ${options.label}: summary ${result.kind} (${result.reason}): ${result.message}`);
			if (result.status) this.setStatus(result.status);
			this.spendChanged.fire();
		}
		return result;
	}

	/**
	 * The shadow probe of a replay scenario (the replay panel's "Probe" button): sampled steps sent to
	 * the scenario's model through the live path under the user's USD cap, recorded under a `probe-…`
	 * run. Needs a trusted workspace, like every paid call.
	 */
	async probe(
		request: Omit<ProbeParams, 'config' | 'paths'>,
		options: { readonly uri?: vscode.Uri; readonly signal?: AbortSignal; readonly onProgress?: (done: number, total: number) => void },
	): Promise<LiveJobs['live/probe']['result']> {
		requireTrust('liveCalls');
		const label = `probe of "${request.scenario.name}" (${request.sample} step${request.sample === 1 ? '' : 's'}, at most $${request.maxUsd})`;
		try {
			const result = await runLiveJob(
				this.deps.engine(),
				'live/probe',
				{ ...request, config: this.deps.settings.config, paths: this.paths(options.uri) },
				{ ...this.keyOptions(), signal: options.signal, onProgress: p => p.type === 'probe' && options.onProgress?.(p.done, p.total) },
			);
			const agreed = result.steps.filter(s => s.status === 'agreed').length;
			this.deps.log.info(`${label}: ${result.sent} sent, ${agreed} agreed, spent $${result.costUsd.toFixed(6)}; recorded in ${result.recordingFile}`);
			return result;
		} catch (e) {
			if (CancelledError.is(e)) this.deps.log.info(`${label}: cancelled`);
			else this.deps.log.error(`${label}: ${jobErrorMessage(e)}`);
			throw e;
		} finally {
			// The probe's calls count against today's budget.
			this.spendChanged.fire();
			void this.refreshStatus();
		}
	}

	/** Today's spend by model, cache hits and budget events (the Spend view). */
	spend(uri?: vscode.Uri): Promise<SpendReport> {
		return runLiveJob(this.deps.engine(), 'live/spend', { config: this.deps.settings.config, paths: this.paths(uri) }, this.keyOptions());
	}

	/**
	 * Exact Claude prompt tokens via Anthropic's countTokens (opt-in setting
	 * `agentCost.tokens.exactClaudeCount`; sends the prompt to Anthropic). For the token lens.
	 */
	countExactClaude(
		model: string,
		messages: readonly ProviderMessage[],
		options: { readonly tools?: readonly ToolDefinitionLike[]; readonly signal?: AbortSignal } = {},
	): Promise<{ model: string; tokens: number; exact: true }> {
		requireTrust('exactCount');
		return runLiveJob(
			this.deps.engine(),
			'tokens/countExact',
			{ config: this.deps.settings.config, model, messages, ...(options.tools && { tools: options.tools }) },
			{ ...this.keyOptions(), signal: options.signal },
		);
	}

	/** Re-reads today's budget status (coalesced: concurrent callers share one job). */
	refreshStatus(): Promise<void> {
		this.statusRequest ??= (async () => {
			try {
				const status = await runLiveJob(this.deps.engine(), 'live/status', { config: this.deps.settings.config, paths: this.paths() }, this.keyOptions());
				this.statusError = undefined;
				this.setStatus(status);
			} catch (e) {
				const message = jobErrorMessage(e);
				if (message !== this.statusError) this.deps.log.error(`today's spend could not be read: ${message}`);
				this.statusError = message;
				this.statusChanged.fire();
			} finally {
				this.statusRequest = undefined;
			}
		})();
		return this.statusRequest;
	}

	/** Starts, moves or stops the Prometheus endpoint in the worker (only starts the worker when enabled). */
	async configureMetrics(): Promise<void> {
		const { port } = this.deps.settings.config.metrics;
		// Restricted Mode: the endpoint stays off until the workspace is trusted (then this runs again).
		const enabled = this.deps.settings.config.metrics.enabled && vscode.workspace.isTrusted;
		if (this.deps.settings.config.metrics.enabled && !enabled) this.deps.log.info('the metrics endpoint starts once this workspace is trusted (Restricted Mode)');
		if (!enabled && !this.metricsState?.enabled) return;
		try {
			// The token itself stays here; the worker checks scrapes against its digest.
			const token = enabled ? await this.deps.secrets.get('metrics') : undefined;
			const tokenSha256 = token ? createHash('sha256').update(token, 'utf8').digest('hex') : undefined;
			const state = await this.deps.engine().run('metrics/configure', { enabled, port, ...(tokenSha256 && { tokenSha256 }) });
			this.metricsState = state;
			if (state.url)
				this.deps.log.info(
					`Prometheus metrics at ${state.url}${state.tokenRequired ? ' (bearer token required)' : ' (no token: set one with "Agent Cost: Set API Key…" → Prometheus metrics endpoint)'}`,
				);
			else if (state.error) {
				this.deps.log.error(`metrics endpoint: ${state.error}`);
				void vscode.window.showWarningMessage(`Agent Cost: the metrics endpoint could not start: ${state.error}`);
			} else this.deps.log.info('Prometheus metrics endpoint stopped');
		} catch (e) {
			this.deps.log.error(`metrics endpoint: ${jobErrorMessage(e)}`);
		}
	}

	private setStatus(status: BudgetStatus): void {
		this.current = status;
		this.statusChanged.fire();
		for (const w of status.storeWarnings ?? []) {
			// Damage and lost data are said once per session, loudly: budgets depend on them.
			if (this.storeWarningsShown.has(w.message)) continue;
			this.storeWarningsShown.add(w.message);
			this.deps.log.warn(w.message);
			void vscode.window.showWarningMessage(`Agent Cost: ${w.message}`);
		}
		const warning = thresholdWarning(status, this.deps.settings.config.budget);
		const state = this.deps.context.globalState;
		if (warning && state.get<string>(warnedDayKey) !== status.day) {
			void state.update(warnedDayKey, status.day);
			this.deps.log.warn(warning);
			void vscode.window.showWarningMessage(warning, 'Show Spend').then(choice => choice && vscode.commands.executeCommand('agentCost.showSpend'));
		}
	}

	/** The first recorded call says what is stored where, once (agentCost.recordings.mode decides what). */
	private announceRecordings(result: LiveRunResult): void {
		const mode = this.deps.settings.config.recordings.mode;
		const state = this.deps.context.globalState;
		if (mode === 'off' || state.get<boolean>(recordingsNoticeKey)) return;
		void state.update(recordingsNoticeKey, true);
		const what = mode === 'full' ? "each call's prompt, answer, token counts and cost" : "each call's models, token counts and cost (no prompt or answer text)";
		const text = `Agent Cost records ${what} in ${dirname(result.recordingFile)}; a .gitignore there keeps it out of git. Change this with agentCost.recordings.mode (full, metadata or off).`;
		this.deps.log.info(text);
		void vscode.window.showInformationMessage(text, 'Change Setting').then(choice => choice && vscode.commands.executeCommand('workbench.action.openSettings', 'agentCost.recordings.mode'));
	}

	private afterCall(result: LiveRunResult, label: string): void {
		if (result.kind === 'answered') this.announceRecordings(result);
		const log = callLogLine(result, label);
		if (result.kind === 'answered') this.deps.log.info(log);
		else if (result.kind === 'refused') this.deps.log.warn(log);
		else this.deps.log.error(log);
		this.last = { at: Date.now(), text: lastCallText(result) };
		this.statusError = undefined;
		this.setStatus(result.status);
		this.spendChanged.fire();
		// Notifications are not awaited: the command returns while they are on screen.
		if (result.kind === 'refused') {
			void vscode.window.showErrorMessage(refusalMessage(result), 'Budget Settings', 'Show Spend').then(choice => {
				if (choice === 'Budget Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'agentCost.budget');
				else if (choice === 'Show Spend') void vscode.commands.executeCommand('agentCost.showSpend');
			});
		} else if (result.kind === 'failed') {
			const actions = result.keyMissing || result.reason === 'auth' ? ['Set API Key…'] : [];
			void vscode.window.showErrorMessage(failureMessage(result), ...actions).then(choice => {
				if (choice) void vscode.commands.executeCommand('agentCost.setApiKey', result.keyMissing ?? result.provider);
			});
		} else {
			const downgrade = downgradeMessage(result);
			if (downgrade) void vscode.window.showInformationMessage(downgrade);
			if (result.recordError) void vscode.window.showWarningMessage(`Agent Cost: the call worked but could not be recorded: ${result.recordError}`);
		}
	}

	dispose(): void {
		this.statusChanged.dispose();
		this.spendChanged.dispose();
	}
}
