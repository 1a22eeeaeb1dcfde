// The ONE place where failures of the replay panel and the transcript report become user-facing
// text. No `vscode` import: the mapping is unit-tested in plain Node.
import { EngineJobError } from '../../core/jobs/jobProtocol';
import { CancelledError, describeError, EngineError } from '../../core/lib/errors';
import { ReplayJobError } from '../../core/jobs/replayJobs';
import { LiveJobError } from '../../core/jobs/liveJobs';
import type { TranscriptImportReason } from '../../core/transcripts/importErrors';
import type { ReplayError } from '../../protocol/replay';

/** Failures of the panel's own requests (not of the engine). */
export class ReplayRequestError extends EngineError<'noTranscript' | 'noComparison' | 'badRequest' | 'unsupportedLocation'> {
	readonly kind = 'replayRequest';
	static is(e: unknown, reason?: ReplayRequestError['reason']): e is ReplayRequestError {
		return e instanceof ReplayRequestError && (reason === undefined || e.reason === reason);
	}
}

const importReasons: readonly TranscriptImportReason[] = ['unknownFormat', 'malformed', 'truncated', 'badStructure', 'empty', 'tooLarge', 'unreadable', 'internal'];

const formatList =
	'Claude Code session JSONL, Anthropic/OpenAI request–response recordings, OpenAI chat message arrays, SWE-agent .traj, mini-SWE-agent .traj.json, OpenHands, Inspect AI logs, Aider chat history and Agent Cost recordings (.agent-cost.jsonl)';

/** What the importer said, with what the user can do about it. The importer's message already names the file and line. */
function importMessage(reason: TranscriptImportReason, message: string, details: Readonly<Record<string, unknown>> | undefined): string {
	const text = message.replace(/\.?\s*$/, '.');
	switch (reason) {
		case 'unknownFormat': {
			const tried = Array.isArray(details?.formatsTried) ? (details.formatsTried as unknown[]).map(String) : [];
			return `Not a transcript format Agent Cost Lens reads: ${text}${tried.length ? ` Formats tried: ${tried.join(', ')}.` : ''} Supported: ${formatList}.`;
		}
		case 'malformed':
			return `The file is not valid for its format: ${text} Fix or remove that line and open it again.`;
		case 'truncated':
			return `The file ends in the middle of a JSON document (was it still being written, or cut off?): ${text}`;
		case 'badStructure':
			return `The file looks like a known format but a required part is missing or has the wrong type: ${text}`;
		case 'empty':
			return `There is nothing to import: ${text}`;
		case 'tooLarge':
			return `The file is too large to import: ${text}`;
		case 'unreadable':
			return `The file could not be read: ${text}`;
		case 'internal':
			return `The importer failed on this file (a bug in Agent Cost Lens; please report it): ${text}`;
	}
}

/**
 * Maps any failure of the replay panel or the transcript report to a reason the UI branches on and
 * one or two sentences for the user. Typed errors thrown inside the engine worker arrive as an
 * {@link EngineJobError} whose `original` keeps their name, reason and details.
 */
export function replayErrorInfo(e: unknown): ReplayError {
	if (CancelledError.is(e)) return { reason: 'cancelled', message: 'Cancelled.' };
	if (ReplayRequestError.is(e)) return { reason: e.reason, message: e.message };
	if (ReplayJobError.is(e, 'unknownModel') || (EngineJobError.is(e) && e.original?.name === 'ReplayJobError' && e.original.reason === 'unknownModel')) {
		return { reason: 'badRequest', message: `${(EngineJobError.is(e) ? e.original?.message : undefined) ?? (e as Error).message} Fix the model in the scenario's settings.` };
	}
	// Restricted Mode (extension/workspaceTrust.ts, which needs `vscode`): its typed reason, not its class.
	if (e instanceof EngineError && e.kind === 'trust' && e.reason === 'untrusted') return { reason: 'untrusted', message: e.message };
	const live = LiveJobError.is(e) ? e : EngineJobError.is(e) && e.original?.name === 'LiveJobError' ? e.original : undefined;
	if (live) {
		if (live.reason === 'unknownModel') return { reason: 'badRequest', message: `${live.message} Fix the model in the scenario's settings.` };
		return { reason: 'liveUnavailable', message: `The live path cannot run as configured: ${live.message}` };
	}
	if (ReplayJobError.is(e, 'unknownTranscript')) {
		return { reason: 'engineCrashed', message: 'The engine no longer holds this transcript and could not reopen it. Open the transcript again.' };
	}
	if (EngineJobError.is(e)) {
		const original = e.original;
		if (e.reason === 'failed' && original?.name === 'TranscriptImportError') {
			const reason = importReasons.includes(original.reason as TranscriptImportReason) ? (original.reason as TranscriptImportReason) : 'internal';
			return { reason, message: importMessage(reason, original.message, original.details) };
		}
		const detail = describeError(e);
		switch (e.reason) {
			case 'crashed':
			case 'timeout':
				return { reason: 'engineCrashed', message: `The engine worker stopped unexpectedly (${detail}). Run again: it restarts on the next run.` };
			case 'disposed':
				return { reason: 'engineStopped', message: 'The engine worker is shut down (the window is closing or the extension was disabled).' };
			case 'unknownJob':
				return { reason: 'internal', message: `The engine worker does not know this job (${detail}); the extension's files are out of step — reload the window.` };
			case 'failed':
				return { reason: 'internal', message: `The engine failed: ${detail}` };
		}
	}
	return { reason: 'internal', message: `Unexpected error: ${describeError(e)}` };
}
