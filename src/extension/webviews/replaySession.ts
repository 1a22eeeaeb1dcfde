import { DisposableStore } from '../../core/lib/disposable';
import * as vscode from 'vscode';
import type { EngineJobs } from '../../core/jobs/engineJobs';
import { CancelledError } from '../../core/lib/errors';
import type { ReplayComparison, SweepResult } from '../../core/replay/comparison';
import type { OpenedTranscript, ReplayProgress } from '../../core/jobs/replayJobs';
import { ReplayJobError } from '../../core/jobs/replayJobs';
import type { ReplayScenario, SweepParameter } from '../../core/replay/scenario';
import { parseScenario, sweepParameters, withParameter } from '../../core/replay/scenario';
import type { JobWorkerClient } from '../../node/jobWorkerClient';
import type { ProbeResult } from '../../core/live/shadowProbe';
import type { ProbeState, ReplayBootstrap, ReplayRunKind, ReplayRunOutcome, ReplayRunStarted, ReplaySnapshot, ReplayView, RunningReplay, TranscriptState } from '../../protocol/replay';
import {
	CancelProbeCommand,
	CancelReplayRunCommand,
	ExportComparisonRequest,
	GetReplayStateRequest,
	PickTranscriptRequest,
	ReplayRunFinishedNotification,
	ReplayRunProgressNotification,
	probeLimits,
	ReplayStateNotification,
	RunComparisonRequest,
	RunProbeRequest,
	RunSweepRequest,
	TranscriptImportProgressNotification,
} from '../../protocol/replay';
import { sweepParameterList } from './replayDefaults';
import { replayErrorInfo, ReplayRequestError } from './replayErrors';
import { renderComparisonExport, replayExportFormats } from './replayExport';
import type { ReplaySettingsSource } from './replaySettingsSource';
import type { WebviewController } from './webviewController';

/** What a session needs from the composition root. */
export interface ReplaySessionServices {
	/** The shared engine worker client (created on first use). */
	readonly engine: () => JobWorkerClient<EngineJobs>;
	readonly settings: ReplaySettingsSource;
	readonly log: vscode.LogOutputChannel;
	/** The shadow probe through the live path (`LiveService.probe`): paid calls, keys from SecretStorage. */
	readonly probe: (
		request: { readonly path: string; readonly scenario: ReplayScenario; readonly sample: number; readonly maxUsd: number },
		options: { readonly uri: vscode.Uri; readonly signal: AbortSignal; readonly onProgress: (done: number, total: number) => void },
	) => Promise<ProbeResult & { readonly recordingFile: string }>;
}

/** Limits on what a webview may ask for in one run (each scenario replays the whole transcript). */
const maxScenarios = 50;
const maxSweepValues = 50;
/** Progress notifications are hints: at most one per this many ms per run (the last one always goes). */
const progressIntervalMs = 100;

interface OpenHandle {
	readonly uri: vscode.Uri;
	readonly file: string;
	readonly transcriptId: string;
}

interface Run {
	readonly abort: AbortController;
	info: RunningReplay;
	lastNotified: number;
	readonly finished: Promise<ReplayRunOutcome>;
}

/**
 * The host side of ONE replay webview (the panel, or a custom editor on a transcript file): it
 * owns the data the webview shows — the transcript opened in the engine worker, the running and
 * finished comparisons and sweeps — and answers the webview's requests. Every change is published as
 * a full {@link ReplaySnapshot}; progress goes out as throttled hints.
 */
export class ReplaySession implements vscode.Disposable {
	private revision = 0;
	private transcript: TranscriptState = { status: 'none' };
	private handle: OpenHandle | undefined;
	private opening: { readonly abort: AbortController; readonly done: Promise<TranscriptState> } | undefined;
	/** Running comparisons and sweeps by run id, each with the AbortController that cancels it. */
	private readonly runs = new Map<string, Run>();
	private readonly finished = new Map<string, Promise<ReplayRunOutcome>>();
	private comparison: ReplayComparison | null = null;
	private sweep: SweepResult | null = null;
	private lastOutcome: ReplayRunOutcome | null = null;
	private probe: ProbeState | null = null;
	private probeRun: { readonly abort: AbortController; readonly finished: Promise<ProbeState> } | undefined;
	private viewRequest: { readonly view: ReplayView; readonly seq: number } | undefined;
	private nextRun = 0;
	private nextView = 0;
	private disposed = false;
	private readonly disposables = new DisposableStore();
	private readonly published = new vscode.EventEmitter<ReplaySnapshot>();
	/** Every snapshot the webview is sent (the panel titles its tab from it). */
	readonly onDidPublish = this.published.event;

	constructor(
		readonly controller: WebviewController,
		private readonly services: ReplaySessionServices,
		private readonly host: 'panel' | 'editor',
	) {
		controller.onRequest(GetReplayStateRequest, () => this.snapshot());
		controller.onRequest(PickTranscriptRequest, () => this.pickAndOpen());
		controller.onRequest(RunComparisonRequest, params => this.runComparison(params));
		controller.onRequest(RunSweepRequest, params => this.runSweep(params));
		controller.onRequest(ExportComparisonRequest, params => this.exportComparison(params));
		controller.onCommand(CancelReplayRunCommand, params => this.cancel(typeof params?.runId === 'string' ? params.runId : ''));
		controller.onRequest(RunProbeRequest, params => this.runProbe(params));
		controller.onCommand(CancelProbeCommand, () => this.probeRun?.abort.abort());
		this.disposables.add(
			services.settings.onDidChange(({ pricing }) => {
				// New prices make the opened numbers stale: import again (results go with them).
				if (pricing && this.handle) void this.open(this.handle.uri);
				else this.publish();
			}),
		);
	}

	/** Writes the webview's HTML with the current state, so the first paint needs no round trip. */
	render(title: string): void {
		const bootstrap: ReplayBootstrap = { host: this.host, snapshot: this.snapshot(), sweepParameters: sweepParameterList() };
		this.controller.render({ script: 'replay.js', style: 'replay.css', title, bootstrap });
	}

	snapshot(): ReplaySnapshot {
		return {
			revision: this.revision,
			transcript: this.transcript,
			running: [...this.runs.values()].map(r => r.info),
			comparison: this.comparison,
			sweep: this.sweep,
			lastOutcome: this.lastOutcome,
			probe: this.probe,
			defaults: this.services.settings.defaults(),
			...(this.viewRequest && { viewRequest: this.viewRequest }),
		};
	}

	/** The file shown, if any (for the serializer and the commands). */
	get uri(): vscode.Uri | undefined {
		return this.transcript.status === 'none' ? undefined : vscode.Uri.parse(this.transcript.uri);
	}

	/** Asks the webview to switch views (kept in the snapshot, so a hidden webview switches when shown). */
	showView(view: ReplayView): void {
		// Time-based, so a request of a new session (after a reload) is newer than any the webview's
		// saved state has already followed.
		this.nextView = Math.max(Date.now(), this.nextView + 1);
		this.viewRequest = { view, seq: this.nextView };
		this.publish();
	}

	/**
	 * Opens a transcript in the engine worker (import with progress → report + per-call table).
	 * Opening another file cancels the runs on the previous one. Resolves with the final state
	 * (open or failed); never rejects.
	 */
	open(uri: vscode.Uri): Promise<TranscriptState> {
		const file = uri.scheme === 'file' ? vscode.workspace.asRelativePath(uri, false) : uri.toString(true);
		this.opening?.abort.abort();
		this.cancelAll();
		this.closeInWorker();
		this.comparison = null;
		this.sweep = null;
		this.lastOutcome = null;
		// The probe belongs to the transcript it sampled: cancelled, and its outcome dropped (see runProbe).
		this.probeRun?.abort.abort();
		this.probeRun = undefined;
		this.probe = null;
		const abort = new AbortController();
		const done = (async (): Promise<TranscriptState> => {
			if (uri.scheme !== 'file') {
				const error = replayErrorInfo(
					new ReplayRequestError('unsupportedLocation', `${file} is not a file on disk; Agent Cost Lens reads transcripts from the file system only. Save a copy to disk and open that.`),
				);
				return (this.transcript = { status: 'failed', file, uri: uri.toString(), error });
			}
			this.transcript = { status: 'opening', file, uri: uri.toString() };
			this.publish();
			try {
				const opened = await this.importFile(uri, file, abort.signal);
				if (abort.signal.aborted) throw new CancelledError();
				this.handle = { uri, file, transcriptId: opened.transcriptId };
				const { transcriptId: _, ...view } = opened;
				return (this.transcript = { status: 'open', file, uri: uri.toString(), transcript: view });
			} catch (e) {
				if (abort.signal.aborted || CancelledError.is(e)) return this.transcript;
				const error = replayErrorInfo(e);
				this.services.log.warn(`transcript ${file}: ${error.message}`);
				return (this.transcript = { status: 'failed', file, uri: uri.toString(), error });
			}
		})().finally(() => {
			if (this.opening?.abort === abort) this.opening = undefined;
			if (!abort.signal.aborted) this.publish();
		});
		this.opening = { abort, done };
		return done;
	}

	/** Resolves when the run ends (for the commands and the integration tests' API). */
	whenFinished(runId: string): Promise<ReplayRunOutcome> | undefined {
		return this.finished.get(runId);
	}

	/** Resolves when the running probe (if any) ends, with its final state. */
	whenProbeFinished(): Promise<ProbeState | null> {
		return this.probeRun?.finished ?? Promise.resolve(this.probe);
	}

	/** Resolves when the transcript being opened (if any) is open or failed. */
	whenOpened(): Promise<TranscriptState> {
		return this.opening?.done ?? Promise.resolve(this.transcript);
	}

	cancel(runId: string): void {
		this.runs.get(runId)?.abort.abort();
	}

	// ── requests ────────────────────────────────────────────────────────────────────────────────

	private async pickAndOpen(): Promise<{ file: string | null }> {
		const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
		const picked = await vscode.window.showOpenDialog({
			canSelectMany: false,
			canSelectFolders: false,
			openLabel: 'Open Transcript',
			title: 'Open an agent transcript',
			...(folder && { defaultUri: folder }),
			filters: { 'Agent transcripts': ['jsonl', 'json', 'traj', 'md'], 'All files': ['*'] },
		});
		const uri = picked?.[0];
		if (!uri) return { file: null };
		void this.open(uri);
		return { file: vscode.workspace.asRelativePath(uri, false) };
	}

	/** Also the entry point of the integration tests (through the extension API): the same path the webview takes. */
	runComparison(params: { readonly scenarios: readonly ReplayScenario[] }): ReplayRunStarted {
		const raw: unknown = params?.scenarios;
		if (!Array.isArray(raw) || raw.length === 0) throw new ReplayRequestError('badRequest', 'Add at least one scenario to compare with the run as recorded.');
		if (raw.length > maxScenarios) throw new ReplayRequestError('badRequest', `At most ${maxScenarios} scenarios can be compared at once (got ${raw.length}).`);
		this.requireReplayable();
		const base = this.services.settings.defaults().productDefaults;
		const problems: string[] = [];
		const names = new Set<string>();
		const scenarios = raw.map((s, i) => {
			const parsed = parseScenario(s, { ...base, name: `Scenario ${i + 1}` });
			let name = parsed.scenario.name;
			for (let n = 2; names.has(name); n++) name = `${parsed.scenario.name} (${n})`;
			names.add(name);
			problems.push(...parsed.problems.map(p => `${name}: ${p}`));
			return { ...parsed.scenario, name };
		});
		const runId = this.startRun(
			'compare',
			scenarios.length === 1 ? '1 scenario' : `${scenarios.length} scenarios`,
			(transcriptId, signal, onProgress) => this.services.engine().run('replay/compare', { transcriptId, scenarios }, { signal, onProgress }),
			result => {
				this.comparison = result;
			},
		);
		return { runId, problems };
	}

	runSweep(params: { readonly base: ReplayScenario; readonly parameter: SweepParameter; readonly values: readonly number[] }): ReplayRunStarted {
		const parameter = params?.parameter;
		if (typeof parameter !== 'string' || !Object.hasOwn(sweepParameters, parameter)) {
			throw new ReplayRequestError(
				'badRequest',
				`Choose a setting to sweep (one of: ${Object.values(sweepParameters)
					.map(p => p.label)
					.join(', ')}).`,
			);
		}
		const spec = sweepParameters[parameter];
		const values: unknown = params.values;
		if (!Array.isArray(values) || values.length === 0) throw new ReplayRequestError('badRequest', `Enter the values of ${spec.label} to try, e.g. 1000, 2000, 4000.`);
		if (values.length > maxSweepValues) throw new ReplayRequestError('badRequest', `At most ${maxSweepValues} values per sweep (got ${values.length}).`);
		this.requireReplayable();
		const parsedBase = parseScenario(params.base, this.services.settings.defaults().productDefaults);
		const problems = parsedBase.problems.map(p => `${parsedBase.scenario.name}: ${p}`);
		for (const v of values) {
			// Each value must be a valid setting on its own: the parser's bounds are the settings' bounds.
			const check = typeof v === 'number' ? parseScenario(withParameter(parsedBase.scenario, parameter, v), parsedBase.scenario) : undefined;
			if (!check || check.problems.length > 0)
				throw new ReplayRequestError(
					'badRequest',
					`${JSON.stringify(v)} is not a valid value of ${spec.label}${spec.integer ? ' (a whole number)' : ''}${check?.problems.length ? `: ${check.problems[0]}` : ''}.`,
				);
		}
		const numbers = [...new Set(values as number[])];
		const runId = this.startRun(
			'sweep',
			`${spec.label} × ${numbers.length}`,
			(transcriptId, signal, onProgress) => this.services.engine().run('replay/sweep', { transcriptId, base: parsedBase.scenario, parameter, values: numbers }, { signal, onProgress }),
			result => {
				this.sweep = result;
			},
		);
		return { runId, problems };
	}

	/**
	 * The shadow probe of one scenario. Unlike a replay it spends money, so a second probe is refused
	 * while one runs (never silently cancelled and restarted), and sample and cap are checked here
	 * again: the webview is untrusted.
	 */
	runProbe(params: { readonly scenario: ReplayScenario; readonly sample: number; readonly maxUsd: number }): { problems: readonly string[] } {
		const sample: unknown = params?.sample;
		const maxUsd: unknown = params?.maxUsd;
		if (typeof sample !== 'number' || !Number.isInteger(sample) || sample < 1 || sample > probeLimits.maxSample)
			throw new ReplayRequestError('badRequest', `The probe sends 1 to ${probeLimits.maxSample} steps (got ${JSON.stringify(sample)}); the CLI's --probe takes more.`);
		if (typeof maxUsd !== 'number' || !Number.isFinite(maxUsd) || maxUsd <= 0 || maxUsd > probeLimits.maxUsd)
			throw new ReplayRequestError('badRequest', `Set the most the probe may spend, above $0 and at most $${probeLimits.maxUsd} (got ${JSON.stringify(maxUsd)}).`);
		this.requireReplayable();
		if (this.probeRun) throw new ReplayRequestError('badRequest', 'A probe is running; wait for it or cancel it before starting another.');
		const handle = this.handle!;
		const parsed = parseScenario(params.scenario, this.services.settings.defaults().productDefaults);
		// A comparison runs with unusable values replaced and says so; paid calls are not sent for
		// settings the user did not write.
		if (parsed.problems.length > 0) throw new ReplayRequestError('badRequest', `Fix the scenario's settings before probing: ${parsed.problems.join('; ')}`);
		const scenario = parsed.scenario;
		const abort = new AbortController();
		let lastNotified = 0;
		this.probe = { status: 'running', scenario: scenario.name, sample, maxUsd, done: 0, total: 0 };
		const finished = (async (): Promise<ProbeState> => {
			try {
				const result = await this.services.probe(
					{ path: handle.uri.fsPath, scenario, sample, maxUsd },
					{
						uri: handle.uri,
						signal: abort.signal,
						onProgress: (done, total) => {
							if (this.probe?.status !== 'running' || this.probeRun?.abort !== abort) return;
							this.probe = { ...this.probe, done, total };
							const now = Date.now();
							if (done < total && now - lastNotified < progressIntervalMs) return;
							lastNotified = now;
							this.publish();
						},
					},
				);
				const { recordingFile, ...rest } = result;
				return { status: 'done', scenario: scenario.name, result: rest, recordingFile };
			} catch (e) {
				const error = replayErrorInfo(e);
				if (error.reason === 'cancelled') return { status: 'cancelled', scenario: scenario.name };
				this.services.log.error(`probe of ${scenario.name} failed: ${error.message}`);
				return { status: 'failed', scenario: scenario.name, error };
			}
		})().then(state => {
			// A transcript opened meanwhile dropped this probe's state with it.
			if (this.probeRun?.abort === abort) {
				this.probeRun = undefined;
				this.probe = state;
				this.publish();
			}
			return state;
		});
		this.probeRun = { abort, finished };
		this.publish();
		return { problems: [] };
	}

	private async exportComparison(params: { readonly format: unknown }): Promise<{ format: 'markdown' | 'csv' | 'json'; characters: number }> {
		const format = replayExportFormats.find(f => f === params?.format);
		if (!format) throw new ReplayRequestError('badRequest', `Unknown export format ${JSON.stringify(params?.format)}; use markdown, csv or json.`);
		if (!this.comparison) throw new ReplayRequestError('noComparison', 'Run a comparison first; the export is of its results.');
		const rendered = renderComparisonExport(this.comparison, format);
		const doc = await vscode.workspace.openTextDocument({ language: rendered.language, content: rendered.content });
		await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
		return { format, characters: rendered.content.length };
	}

	// ── runs ────────────────────────────────────────────────────────────────────────────────────

	private requireReplayable(): void {
		if (this.transcript.status === 'opening') throw new ReplayRequestError('noTranscript', 'The transcript is still being imported; run again once it is open.');
		if (this.transcript.status !== 'open' || !this.handle) throw new ReplayRequestError('noTranscript', 'Open a transcript first.');
		if (this.transcript.transcript.calls.length === 0) throw new ReplayRequestError('noTranscript', `${this.transcript.file} has no LLM calls to replay.`);
	}

	/**
	 * Starts a job on the open transcript and returns its run id at once. A new run supersedes the
	 * running one of the same kind. The end (done, cancelled, failed) is published with the full
	 * snapshot; results of a failed or cancelled run never replace the previous ones.
	 */
	private startRun<R>(
		kind: ReplayRunKind,
		label: string,
		job: (transcriptId: string, signal: AbortSignal, onProgress: (p: ReplayProgress) => void) => Promise<R>,
		onDone: (result: R) => void,
	): string {
		for (const r of this.runs.values()) if (r.info.kind === kind) r.abort.abort();
		const runId = `${kind}-${++this.nextRun}`;
		const abort = new AbortController();
		const finished = (async (): Promise<ReplayRunOutcome> => {
			try {
				const result = await this.onTranscript(id => job(id, abort.signal, p => this.progress(runId, p)), abort.signal);
				if (abort.signal.aborted) throw new CancelledError();
				onDone(result);
				return { runId, kind, outcome: 'done' };
			} catch (e) {
				const error = replayErrorInfo(e);
				if (error.reason === 'cancelled') return { runId, kind, outcome: 'cancelled' };
				this.services.log.error(`${kind} ${runId} failed: ${error.message}`);
				return { runId, kind, outcome: 'failed', error };
			}
		})().then(outcome => {
			this.runs.delete(runId);
			if (!this.disposed) {
				this.lastOutcome = outcome;
				this.revision++;
				this.controller.notify(ReplayRunFinishedNotification, { ...outcome, snapshot: this.snapshot() });
			}
			return outcome;
		});
		this.runs.set(runId, { abort, info: { runId, kind, done: 0, total: 0, label }, lastNotified: 0, finished });
		this.finished.set(runId, finished);
		// Only the most recent outcomes are worth waiting for.
		if (this.finished.size > 20) this.finished.delete(this.finished.keys().next().value as string);
		this.publish();
		return runId;
	}

	private progress(runId: string, p: ReplayProgress): void {
		const run = this.runs.get(runId);
		if (!run) return;
		run.info = { ...run.info, done: p.done, total: p.total };
		const now = Date.now();
		if (p.done < p.total && now - run.lastNotified < progressIntervalMs) return;
		run.lastNotified = now;
		this.controller.notify(ReplayRunProgressNotification, { runId, kind: run.info.kind, done: p.done, total: p.total });
	}

	/**
	 * Runs a job on the open transcript. The engine worker may have lost it (restarted after a crash,
	 * or evicted it for other transcripts): then the file is imported again and the job retried once.
	 */
	private async onTranscript<R>(job: (transcriptId: string) => Promise<R>, signal: AbortSignal): Promise<R> {
		const handle = this.handle;
		if (!handle) throw new ReplayRequestError('noTranscript', 'Open a transcript first.');
		try {
			return await job(handle.transcriptId);
		} catch (e) {
			if (!ReplayJobError.is(e, 'unknownTranscript')) throw e;
			this.services.log.info(`the engine worker no longer holds ${handle.file}; importing it again`);
			const opened = await this.importFile(handle.uri, handle.file, signal);
			if (this.handle !== handle) throw new CancelledError('another transcript was opened meanwhile');
			this.handle = { ...handle, transcriptId: opened.transcriptId };
			const { transcriptId: _, ...view } = opened;
			this.transcript = { status: 'open', file: handle.file, uri: handle.uri.toString(), transcript: view };
			return job(opened.transcriptId);
		}
	}

	private async importFile(uri: vscode.Uri, file: string, signal: AbortSignal): Promise<OpenedTranscript> {
		const overrides = await this.services.settings.priceOverrides();
		let last = 0;
		return this.services.engine().run(
			'transcript/open',
			{ path: uri.fsPath, displayName: file, overrides },
			{
				signal,
				onProgress: progress => {
					if (this.transcript.status === 'opening' && this.transcript.uri === uri.toString()) this.transcript = { ...this.transcript, progress };
					const now = Date.now();
					if (now - last < progressIntervalMs) return;
					last = now;
					this.controller.notify(TranscriptImportProgressNotification, { uri: uri.toString(), progress });
				},
			},
		);
	}

	private cancelAll(): void {
		for (const r of this.runs.values()) r.abort.abort();
	}

	/** Frees the worker's prepared run of the current transcript (best effort: it may be gone already). */
	private closeInWorker(): void {
		const handle = this.handle;
		this.handle = undefined;
		if (handle)
			this.services
				.engine()
				.run('transcript/close', { transcriptId: handle.transcriptId })
				.catch(() => undefined);
	}

	private publish(): void {
		if (this.disposed) return;
		this.revision++;
		const snapshot = this.snapshot();
		this.controller.notify(ReplayStateNotification, snapshot);
		this.published.fire(snapshot);
	}

	dispose(): void {
		if (this.disposed) return;
		this.disposed = true;
		this.opening?.abort.abort();
		this.probeRun?.abort.abort();
		this.cancelAll();
		this.closeInWorker();
		this.disposables.dispose();
		this.published.dispose();
		this.controller.dispose();
	}
}
