/**
 * The one entry point for turning transcript text into a {@link Transcript}: detects the format,
 * runs its importer, and guarantees that nothing but a {@link TranscriptImportError} (or a
 * CancelledError) escapes — whatever the bytes.
 */
import { CancelledError } from '../lib/errors';
import { importAider } from './aider';
import { ClaudeCodeImporter } from './claudeCode';
import { importChatMessages } from './chatMessages';
import { CodexRolloutImporter } from './codexRollout';
import { type Detection, detectFormat, detectJsonFormat, isLineFormat, type LineFormat } from './detectFormat';
import { GeminiSessionImporter, importGeminiSessionDocument } from './geminiCli';
import { importHttpRecording } from './httpRecording';
import { TranscriptImportError } from './importErrors';
import type { ImportOptions } from './importSupport';
import { importInspectLog } from './inspectAi';
import { parseJsonDocument } from './jsonAccess';
import { LineSplitter, type LineSink } from './lineSplitter';
import { importMiniSweAgent } from './miniSweAgent';
import { type Transcript, type TranscriptFormat, transcriptFormats } from './model';
import { importOpenHandsEval, importOpenHandsTrajectory } from './openHands';
import { PiSessionImporter } from './piSession';
import { RecordingImporter } from './recording';
import { importSweAgent } from './sweAgent';

const jsonImporters: Readonly<Record<Exclude<TranscriptFormat, LineFormat | 'aider'>, (doc: unknown, o: ImportOptions) => Transcript>> = {
	'http-recording': importHttpRecording,
	'mini-swe-agent': importMiniSweAgent,
	'swe-agent': importSweAgent,
	'openhands-eval': importOpenHandsEval,
	'openhands-trajectory': importOpenHandsTrajectory,
	'inspect-ai': importInspectLog,
	'openai-chat-messages': importChatMessages,
};

/** A line-format import fed chunk by chunk (the Node reader streams files through it). */
export interface StreamingImport {
	readonly format: LineFormat;
	/** Calls found so far. */
	readonly calls: number;
	push(chunk: string): void;
	/** Flushes the last line and returns the transcript. */
	end(): Transcript;
}

const lineImporters: Readonly<Record<LineFormat, new (o: ImportOptions) => LineSink & { readonly calls: number; finish(): Transcript }>> = {
	'claude-code': ClaudeCodeImporter,
	'codex-rollout': CodexRolloutImporter,
	'gemini-cli': GeminiSessionImporter,
	'pi-session': PiSessionImporter,
	'agent-cost-recording': RecordingImporter,
};

/** Starts a streaming import of a line-format transcript (agent session JSONL or a recording). */
export function createStreamingImport(format: LineFormat, options: ImportOptions): StreamingImport {
	const importer = new lineImporters[format](options);
	const splitter = new LineSplitter(importer, options.file);
	return {
		format,
		get calls() {
			return importer.calls;
		},
		push(chunk) {
			guard(options, () => splitter.push(chunk));
			options.onProgress?.({ consumed: splitter.consumed, lines: splitter.lines, calls: importer.calls });
		},
		end() {
			return guard(options, () => {
				splitter.end();
				const t = importer.finish();
				options.onProgress?.({ consumed: splitter.consumed, lines: splitter.lines, calls: t.calls.length });
				return t;
			});
		},
	};
}

function unknownFormat(options: ImportOptions, what: string): TranscriptImportError {
	return new TranscriptImportError(
		'unknownFormat',
		`${what}; tried: ${transcriptFormats.join(', ')} (Claude Code, Codex CLI, Gemini CLI and pi session logs, HTTP/VCR recordings of Anthropic/OpenAI/Gemini calls, mini-SWE-agent, SWE-agent, OpenHands eval/trajectory, Inspect AI, OpenAI chat arrays such as tau-bench, aider chat history, Agent Cost recordings)`,
		{ file: options.file, formatsTried: transcriptFormats },
	);
}

/** Runs an importer; any non-typed exception is an importer bug and is reported as `internal`. */
function guard<T>(options: ImportOptions, run: () => T): T {
	try {
		return run();
	} catch (e) {
		if (TranscriptImportError.is(e) || CancelledError.is(e)) throw e;
		if (e instanceof RangeError && /call stack/i.test(e.message)) {
			throw new TranscriptImportError('badStructure', 'the document is nested too deeply to import', { file: options.file, cause: e });
		}
		throw new TranscriptImportError('internal', `importer failure: ${e instanceof Error ? e.message : String(e)}`, { file: options.file, cause: e });
	}
}

/** Detects (unless `options.format` forces one) and imports a whole transcript held in memory. */
export function importTranscript(text: string, options: ImportOptions): Transcript {
	return guard(options, () => {
		const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
		if (body.trim() === '') throw new TranscriptImportError('empty', 'the file is empty', { file: options.file });
		const forced = options.format;
		let detection: Detection | undefined;
		if (forced === 'gemini-cli') {
			// The one format that is JSONL today and was a single JSON document before.
			detection = detectFormat(body.slice(0, 64 * 1024), options.file)?.container === 'json' ? { container: 'json' } : { container: 'jsonl', format: forced };
		} else if (forced !== undefined) {
			detection = isLineFormat(forced) ? { container: 'jsonl', format: forced } : forced === 'aider' ? { container: 'markdown', format: 'aider' } : { container: 'json' };
		} else {
			detection = detectFormat(body.slice(0, 64 * 1024), options.file);
		}
		if (detection === undefined) throw unknownFormat(options, 'not a transcript format this version reads (neither JSON, JSONL nor an aider chat history)');
		if (detection.container === 'jsonl') {
			const s = createStreamingImport(detection.format, options);
			s.push(body);
			return s.end();
		}
		if (detection.container === 'markdown') return importAider(body, options);
		const doc = parseJsonDocument(body, options.file);
		const format = forced ?? detectJsonFormat(doc);
		if (format === 'gemini-cli') return importGeminiSessionDocument(doc, options);
		if (format === undefined || isLineFormat(format) || format === 'aider') {
			throw unknownFormat(options, 'valid JSON, but not a transcript structure this version reads');
		}
		return jsonImporters[format](doc, options);
	});
}
