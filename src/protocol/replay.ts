/**
 * Messages of the transcript replay panel and the transcript report (both are the same webview app,
 * shown in the "Agent Cost: Replay" panel or as a custom editor on a transcript file).
 *
 * Rules of the protocol:
 * - The host owns the data (the opened transcript, results of comparisons and sweeps); the webview
 *   owns only its form state. Everything the webview shows can be rebuilt from one
 *   {@link ReplaySnapshot}, which the webview asks for whenever it (re)loads — a hidden panel's
 *   document is destroyed and messages sent meanwhile are lost, so nothing here is a delta.
 * - Progress notifications are disposable hints; completion always carries the full snapshot.
 * - Settings coming from the webview are untrusted: the host re-parses them
 *   (`parseScenario`) and reports every replaced value as a problem.
 * - Nothing in here ever carries a secret (keys, Redis URLs): only replay settings, transcript
 *   numbers and file names.
 */
import type { ReplayComparison, SweepResult } from '../core/replay/comparison';
import type { OpenedTranscript, TranscriptImportProgress } from '../core/jobs/replayJobs';
import type { ProbeResult } from '../core/live/shadowProbe';
import type { ReplayScenario, SweepParameter } from '../core/replay/scenario';
import type { TranscriptImportReason } from '../core/transcripts/importErrors';
import { IpcCommand, IpcNotification, IpcRequest } from './ipc';

/** The three views of the app. */
export type ReplayView = 'report' | 'replay' | 'sweep';
export const replayViews: readonly ReplayView[] = ['report', 'replay', 'sweep'];

/**
 * Why something failed, as the UI branches on it (the host maps typed errors to these in one place,
 * `src/extension/webviews/replayErrors.ts`):
 * - the {@link TranscriptImportReason}s of the importers (the file could not be read as a transcript);
 * - `cancelled`: the user cancelled;
 * - `unsupportedLocation`: the file is not on a file system the engine can read;
 * - `noTranscript` / `noComparison`: the action needs an open transcript / a finished comparison;
 * - `badRequest`: the webview sent something the host cannot use;
 * - `engineCrashed` / `engineStopped`: the engine worker died (the next run restarts it) / is shut down;
 * - `untrusted`: the action sends paid calls, which Restricted Mode does not allow;
 * - `liveUnavailable`: the live path cannot run as configured (e.g. the shared Redis budget store is unreachable);
 * - `internal`: a bug.
 */
type ReplayErrorReason =
	TranscriptImportReason | 'cancelled' | 'unsupportedLocation' | 'noTranscript' | 'noComparison' | 'badRequest' | 'engineCrashed' | 'engineStopped' | 'untrusted' | 'liveUnavailable' | 'internal';

export interface ReplayError {
	readonly reason: ReplayErrorReason;
	/** One or two sentences for the user, naming the file (and line) when known. */
	readonly message: string;
}

/** The defaults of the settings form, built from the user's `agentCost.*` settings. */
export interface ReplayDefaults {
	/** The run's own models, no policies: the scenario that reproduces the recorded cost. */
	readonly asRecorded: ReplayScenario;
	/** The configured product defaults (tiers, compression, caches, budget). */
	readonly productDefaults: ReplayScenario;
	/** Settings that were unusable (each fell back to its default), e.g. `agentCost.budget.runUsd: must be ≥ 0`. */
	readonly settingsProblems: readonly string[];
}

/** The opened transcript as the webview sees it (the engine's handle stays on the host). */
export type TranscriptView = Omit<OpenedTranscript, 'transcriptId'>;

export type TranscriptState =
	| { readonly status: 'none' }
	| { readonly status: 'opening'; readonly file: string; readonly uri: string; readonly progress?: TranscriptImportProgress }
	| { readonly status: 'open'; readonly file: string; readonly uri: string; readonly transcript: TranscriptView }
	| { readonly status: 'failed'; readonly file: string; readonly uri: string; readonly error: ReplayError };

export type ReplayRunKind = 'compare' | 'sweep';

export interface RunningReplay {
	readonly runId: string;
	readonly kind: ReplayRunKind;
	/** Steps simulated so far over all scenarios, and in total. */
	readonly done: number;
	readonly total: number;
	/** e.g. "3 scenarios" or "Compression trigger (tokens) × 5". */
	readonly label: string;
}

export interface ReplayRunOutcome {
	readonly runId: string;
	readonly kind: ReplayRunKind;
	readonly outcome: 'done' | 'cancelled' | 'failed';
	readonly error?: ReplayError;
}

/**
 * The shadow probe of one scenario (`core/live/shadowProbe.ts`): real, paid calls under a USD cap the
 * user set in the panel. One probe per panel at a time; the last one's outcome stays until the next.
 */
export type ProbeState =
	| { readonly status: 'running'; readonly scenario: string; readonly sample: number; readonly maxUsd: number; readonly done: number; readonly total: number }
	| { readonly status: 'done'; readonly scenario: string; readonly result: ProbeResult; readonly recordingFile: string }
	| { readonly status: 'cancelled'; readonly scenario: string }
	| { readonly status: 'failed'; readonly scenario: string; readonly error: ReplayError };

/** Limits of a probe started from the panel (the CLI allows larger samples). */
export const probeLimits = { maxSample: 50, maxUsd: 100 } as const;

/** Everything the webview renders, in one piece. */
export interface ReplaySnapshot {
	/** Increases with every change; a webview ignores a snapshot older than the one it shows. */
	readonly revision: number;
	readonly transcript: TranscriptState;
	readonly running: readonly RunningReplay[];
	/** The last finished comparison (baseline + every scenario, per step). */
	readonly comparison: ReplayComparison | null;
	readonly sweep: SweepResult | null;
	/** How the last run ended (a failed or cancelled run keeps the previous results). */
	readonly lastOutcome: ReplayRunOutcome | null;
	/** The running or last shadow probe of this panel. */
	readonly probe: ProbeState | null;
	readonly defaults: ReplayDefaults;
	/**
	 * The host asked for a view ("Open Transcript Report" → report). Part of the state rather than a
	 * message so a hidden webview still switches when shown; `seq` tells a new request from one
	 * already followed.
	 */
	readonly viewRequest?: { readonly view: ReplayView; readonly seq: number };
}

/** Serialized into the HTML so the first paint needs no round trip. Never holds secrets. */
export interface ReplayBootstrap {
	/** `panel`: the "Agent Cost: Replay" panel; `editor`: "Open With" on a transcript file. */
	readonly host: 'panel' | 'editor';
	readonly snapshot: ReplaySnapshot;
	/** Parameters the sweep can vary, with their labels (from `sweepParameters`). */
	readonly sweepParameters: readonly { readonly id: SweepParameter; readonly label: string; readonly integer: boolean }[];
}

export type ReplayExportFormat = 'markdown' | 'csv' | 'json';

export interface ReplayRunStarted {
	readonly runId: string;
	/** Values of the submitted settings that were unusable and replaced (path + why); empty when all were fine. */
	readonly problems: readonly string[];
}

// ── webview → host ────────────────────────────────────────────────────────────────────────────

/** The current snapshot; sent by the webview every time its document (re)loads. */
export const GetReplayStateRequest = new IpcRequest<void, ReplaySnapshot>('replay/state/get');

/**
 * Asks the host to pick a transcript (an open-file dialog) and open it. Resolves once the dialog
 * closed: `file` is null when the user picked nothing. Import progress and the result arrive as
 * {@link TranscriptImportProgressNotification} and {@link ReplayStateNotification}.
 */
export const PickTranscriptRequest = new IpcRequest<void, { readonly file: string | null }>('replay/transcript/pick');

/**
 * Compares the run as recorded (the baseline) with each scenario. Starting a comparison cancels the
 * one still running. Resolves when the run STARTED; its end arrives as {@link ReplayRunFinishedNotification}.
 */
export const RunComparisonRequest = new IpcRequest<{ readonly scenarios: readonly ReplayScenario[] }, ReplayRunStarted>('replay/comparison/run');

/** Prices the run for each value of one numeric setting of `base`. Same lifecycle as a comparison. */
export const RunSweepRequest = new IpcRequest<{ readonly base: ReplayScenario; readonly parameter: SweepParameter; readonly values: readonly number[] }, ReplayRunStarted>('replay/sweep/run');

/** Cancels a running comparison or sweep (no effect if it already ended). */
export const CancelReplayRunCommand = new IpcCommand<{ readonly runId: string }>('replay/run/cancel');

/**
 * Exports the last comparison (`comparisonMarkdown`/`Csv`/`Json`, rendered on the host) into a new
 * UNTITLED editor beside the panel, in the matching language; the user saves it where they want.
 */
export const ExportComparisonRequest = new IpcRequest<{ readonly format: ReplayExportFormat }, { readonly format: ReplayExportFormat; readonly characters: number }>('replay/comparison/export');

/**
 * Starts the shadow probe of one scenario: up to `sample` of its steps, each prompt as the scenario
 * builds it, sent to the scenario's model through the live path (budgets, keys from SecretStorage,
 * recordings), never spending more than `maxUsd` (every call's worst case is reserved against it
 * first). The button that sends this names the sample and the cap: pressing it is the consent.
 * Resolves when the probe STARTED; its progress and end arrive in the snapshot (`probe`).
 * Refused while another probe of the panel runs.
 */
export const RunProbeRequest = new IpcRequest<{ readonly scenario: ReplayScenario; readonly sample: number; readonly maxUsd: number }, { readonly problems: readonly string[] }>('replay/probe/run');

/** Cancels the running probe (calls already answered stay spent and recorded). */
export const CancelProbeCommand = new IpcCommand<void>('replay/probe/cancel');

// ── host → webview ────────────────────────────────────────────────────────────────────────────

/** The whole state, after any change (transcript opened or failed, a run started, defaults changed). */
export const ReplayStateNotification = new IpcNotification<ReplaySnapshot>('replay/state/changed');

/** Import progress of the transcript being opened. */
export const TranscriptImportProgressNotification = new IpcNotification<{ readonly uri: string; readonly progress: TranscriptImportProgress }>('replay/transcript/progress');

/** Progress of a running comparison or sweep. */
export const ReplayRunProgressNotification = new IpcNotification<{ readonly runId: string; readonly kind: ReplayRunKind; readonly done: number; readonly total: number }>('replay/run/progress');

/** A comparison or sweep ended (done, cancelled or failed), with the FULL snapshot after it. */
export const ReplayRunFinishedNotification = new IpcNotification<ReplayRunOutcome & { readonly snapshot: ReplaySnapshot }>('replay/run/finished');
