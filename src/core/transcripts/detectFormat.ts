/**
 * Format auto-detection. Line-oriented formats (Claude Code, the product's recording) and aider's
 * Markdown are recognized from the first bytes, so huge files can be streamed; JSON documents are
 * recognized by their structure after parsing ({@link detectJsonFormat}) because the telling keys
 * may come late (mini-SWE-agent writes `trajectory_format` after the messages).
 */
import { looksLikeAider } from './aider';
import { chatMessagesOf } from './chatMessages';
import { isCodexRolloutRecord } from './codexRollout';
import { isGeminiSessionDocument, isGeminiSessionMetadata } from './geminiCli';
import { isHttpRecording } from './httpRecording';
import { isInspectLog } from './inspectAi';
import { isRecord } from './jsonAccess';
import { isMiniSweAgentTrajectory } from './miniSweAgent';
import type { TranscriptFormat } from './model';
import { isOpenHandsEval, isOpenHandsTrajectory } from './openHands';
import { isPiSessionHeader } from './piSession';
import { recordingFileSuffix } from './recording';
import { isSweAgentTrajectory } from './sweAgent';

/** Line formats are imported line by line (streamable); JSON formats parse the whole document. */
export type LineFormat = 'claude-code' | 'codex-rollout' | 'gemini-cli' | 'pi-session' | 'agent-cost-recording';

const lineFormats: ReadonlySet<TranscriptFormat> = new Set<LineFormat>(['claude-code', 'codex-rollout', 'gemini-cli', 'pi-session', 'agent-cost-recording']);

export type Detection =
	| { readonly container: 'jsonl'; readonly format: LineFormat }
	| { readonly container: 'markdown'; readonly format: 'aider' }
	/** A JSON document: the format is decided after parsing. */
	| { readonly container: 'json' };

/** Gemini CLI recordings are JSONL today and one JSON document in older versions (see geminiCli.ts). */
export function isLineFormat(f: TranscriptFormat): f is LineFormat {
	return lineFormats.has(f);
}

const claudeTypes = new Set(['user', 'assistant', 'system', 'summary', 'progress', 'file-history-snapshot', 'queue-operation', 'result']);

/** How many bytes of a file detection wants to see. */
export const detectionPrefixLength = 64 * 1024;

function firstLine(text: string): { line: string; complete: boolean } {
	const nl = text.indexOf('\n');
	return nl < 0 ? { line: text, complete: false } : { line: text.slice(0, nl).replace(/\r$/, ''), complete: true };
}

/** A line-format record type from one parsed JSONL line. */
function lineFormatOf(v: unknown): LineFormat | undefined {
	if (!isRecord(v)) return undefined;
	if (typeof v.v === 'number' && (v.type === 'run' || v.type === 'call' || v.type === 'event')) return 'agent-cost-recording';
	if (typeof v.type === 'string' && claudeTypes.has(v.type) && ('sessionId' in v || 'uuid' in v || 'parentUuid' in v || 'leafUuid' in v || 'messageId' in v)) return 'claude-code';
	if (isCodexRolloutRecord(v)) return 'codex-rollout';
	if (isPiSessionHeader(v)) return 'pi-session';
	if (isGeminiSessionMetadata(v)) return 'gemini-cli';
	return undefined;
}

/**
 * Detects the format from the start of a file (`prefix`, e.g. its first 64 KB) and its name.
 * Returns undefined when nothing matches (the caller reports the formats tried).
 */
export function detectFormat(prefix: string, fileName?: string): Detection | undefined {
	const text = prefix.charCodeAt(0) === 0xfeff ? prefix.slice(1) : prefix;
	const name = (fileName ?? '').toLowerCase();
	const trimmed = text.trimStart();
	if (trimmed.startsWith('{')) {
		// JSONL: the first line is a complete record (a pretty-printed document's first line is just "{").
		const lines = trimmed.split('\n', 8);
		for (const raw of lines) {
			const line = raw.replace(/\r$/, '').trim();
			if (line === '') continue;
			let v: unknown;
			try {
				v = JSON.parse(line);
			} catch {
				break;
			}
			const f = lineFormatOf(v);
			if (f) return { container: 'jsonl', format: f };
			// Claude Code files may start with records of types we do not list; keep looking a few lines.
		}
		if (name.endsWith(recordingFileSuffix) || /^\{"v":\d+,"type":"(run|call|event)"/.test(trimmed)) return { container: 'jsonl', format: 'agent-cost-recording' };
		// A first line longer than the prefix: recognize Claude Code by its keys.
		if (/"sessionId":"/.test(trimmed) && /"type":"(user|assistant|system|summary|progress|file-history-snapshot|queue-operation)"/.test(trimmed) && /"(parentUuid|uuid|messageId)":/.test(trimmed)) {
			return { container: 'jsonl', format: 'claude-code' };
		}
		const { line, complete } = firstLine(trimmed);
		if (name.endsWith('.jsonl') && complete && line.trim().endsWith('}')) {
			// A JSONL file whose records we do not know: let the Claude Code importer judge the lines.
			return /"(sessionId|parentUuid|isSidechain)"/.test(line) ? { container: 'jsonl', format: 'claude-code' } : { container: 'json' };
		}
		return { container: 'json' };
	}
	if (trimmed.startsWith('[')) return { container: 'json' };
	if (looksLikeAider(text) || (name.endsWith('.aider.chat.history.md') && /^#### /m.test(text))) return { container: 'markdown', format: 'aider' };
	return undefined;
}

/** The format of a parsed JSON document, or undefined. */
export function detectJsonFormat(doc: unknown): TranscriptFormat | undefined {
	if (isGeminiSessionDocument(doc)) return 'gemini-cli';
	if (isHttpRecording(doc)) return 'http-recording';
	if (isMiniSweAgentTrajectory(doc)) return 'mini-swe-agent';
	if (isSweAgentTrajectory(doc)) return 'swe-agent';
	if (isOpenHandsEval(doc)) return 'openhands-eval';
	if (isOpenHandsTrajectory(doc)) return 'openhands-trajectory';
	if (isInspectLog(doc)) return 'inspect-ai';
	if (chatMessagesOf(doc) !== undefined) return 'openai-chat-messages';
	return undefined;
}
