import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseChatJson, type ParsedChat } from '../../src/core/tokens/chatShapes';
import { publicFixturesDir, transcriptsDir } from './paths';

/**
 * Provider-reported token counts for known content, from the committed real transcripts: the data
 * the chat-overhead formula and the Claude estimate are validated and calibrated on (shared by the
 * unit tests and bench/tokenCalibration.ts).
 */

export interface RecordedRequest {
	readonly label: string;
	readonly chat: ParsedChat;
	/** Prompt tokens the provider billed (Anthropic: input + cache creation + cache read). */
	readonly inputTokens: number;
}

interface Cassette {
	interactions: { request: { uri: string; parsed_body: unknown }; response: { parsed_body: Record<string, unknown> } }[];
}

function cassettes(folder: string): { file: string; cassette: Cassette }[] {
	const dir = join(transcriptsDir(), folder);
	return readdirSync(dir)
		.filter(f => f.startsWith('pydai_') && f.endsWith('.json'))
		.sort()
		.map(file => ({ file, cassette: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Cassette }));
}

/** Every OpenAI chat completion request of the pydantic-ai cassettes with its `usage.prompt_tokens`. */
export function openaiRecordedRequests(): RecordedRequest[] {
	const out: RecordedRequest[] = [];
	for (const { file, cassette } of cassettes('openai_chat')) {
		cassette.interactions.forEach((it, i) => {
			if (!it.request.uri.includes('/chat/completions')) return;
			const usage = it.response.parsed_body.usage as { prompt_tokens: number };
			out.push({ label: `${file}#${i}`, chat: parseChatJson(it.request.parsed_body)!, inputTokens: usage.prompt_tokens });
		});
	}
	return out;
}

interface AnthropicUsage {
	input_tokens: number;
	output_tokens: number;
	cache_creation_input_tokens?: number;
	cache_read_input_tokens?: number;
}

/** Anthropic responses whose content is plain text, with the billed `output_tokens` (a direct text ratio measurement). */
export function anthropicTextOutputs(): { label: string; text: string; outputTokens: number }[] {
	const out: { label: string; text: string; outputTokens: number }[] = [];
	for (const { file, cassette } of cassettes('anthropic_messages')) {
		cassette.interactions.forEach((it, i) => {
			const content = it.response.parsed_body.content as { type: string; text?: string }[];
			if (!content.every(b => b.type === 'text')) return;
			out.push({ label: `${file}#${i}`, text: content.map(b => b.text ?? '').join(''), outputTokens: (it.response.parsed_body.usage as AnthropicUsage).output_tokens });
		});
	}
	return out;
}

/**
 * Consecutive API calls of the Claude Code sessions: between call k and k+1 the prompt grows by the
 * assistant content of call k plus the user/tool-result messages sent in between, so
 * Δ(input + cache_creation + cache_read) is the provider's count of that known content.
 * Steps after a call with thinking blocks are skipped (whether earlier thinking stays in the prompt
 * depends on the model and turn), as are steps the session's compaction rewrote (negative Δ).
 */
export function claudeCodeDeltas(): { label: string; model: string; chat: ParsedChat; delta: number }[] {
	const dir = join(transcriptsDir(), 'claude_code');
	const out: { label: string; model: string; chat: ParsedChat; delta: number }[] = [];
	for (const file of readdirSync(dir)
		.filter(f => f.endsWith('.jsonl'))
		.sort()) {
		interface Call {
			id: string;
			model: string;
			total: number;
			blocks: unknown[];
			before: { role: string; content: unknown }[];
		}
		const calls: Call[] = [];
		let pending: { role: string; content: unknown }[] = [];
		for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
			if (!line.trim()) continue;
			const l = JSON.parse(line) as { type?: string; message?: { id?: string; model?: string; role: string; content: unknown; usage?: AnthropicUsage } };
			const m = l.message;
			if (l.type === 'assistant' && m?.usage && m.id) {
				let call = calls[calls.length - 1];
				if (!call || call.id !== m.id) {
					const u = m.usage;
					call = { id: m.id, model: m.model ?? '', total: u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0), blocks: [], before: pending };
					pending = [];
					calls.push(call);
				}
				if (Array.isArray(m.content)) call.blocks.push(...m.content);
			} else if (l.type === 'user' && m) {
				pending.push({ role: m.role, content: m.content });
			}
		}
		for (let k = 1; k < calls.length; k++) {
			const prev = calls[k - 1];
			const delta = calls[k].total - prev.total;
			if (delta <= 0 || prev.blocks.some(b => (b as { type?: string }).type === 'thinking')) continue;
			const chat = parseChatJson({ messages: [{ role: 'assistant', content: prev.blocks }, ...calls[k].before] });
			if (chat) out.push({ label: `${file}@${k}`, model: calls[k].model, chat, delta });
		}
	}
	return out;
}

/** One request of test/fixtures/public/recorded_requests with the provider's count of its prompt. */
export interface PublicRecordedRequest extends RecordedRequest {
	/** The cassette the request came from (requests of one file share a test: the split keeps them together). */
	readonly file: string;
	/** The model that answered (the response's id; the request's alias when only count_tokens was recorded). */
	readonly model: string;
	/**
	 * Day of the last commit that touched the cassette: the recording is from that day or shortly
	 * before (absent for the Inspect log's requests).
	 */
	readonly recorded?: Date;
	/** The request body as sent. */
	readonly body: Record<string, unknown>;
}

interface RecordedLine {
	source: { repo: string; path: string; commit: string; interaction: number };
	recorded?: string;
	request: Record<string, unknown>;
	usage?: AnthropicUsage & { prompt_tokens?: number };
	countTokens?: { input_tokens: number };
	model?: string;
}

function recordedLines(name: string): RecordedLine[] {
	return readFileSync(join(publicFixturesDir(), 'recorded_requests', name), 'utf8')
		.split('\n')
		.filter(l => l.trim())
		.map(l => JSON.parse(l) as RecordedLine);
}

function publicRequest(line: RecordedLine, inputTokens: number): PublicRecordedRequest {
	const file = `${line.source.repo}/${line.source.path}`;
	return {
		label: `${line.source.path.split('/').pop()}#${line.source.interaction}`,
		file,
		chat: parseChatJson(line.request)!,
		inputTokens,
		model: line.model ?? String(line.request.model),
		...(line.recorded !== undefined && { recorded: new Date(`${line.recorded}T00:00:00Z`) }),
		body: line.request,
	};
}

/**
 * The 180 Anthropic messages requests extracted from pydantic-ai's cassettes (see PROVENANCE.md):
 * billed input + cache creation + cache read, or the count_tokens answer for the same body.
 */
export function publicAnthropicRequests(): PublicRecordedRequest[] {
	return recordedLines('anthropic_messages.jsonl').map(l => {
		const u = l.usage;
		const total = l.countTokens ? l.countTokens.input_tokens : u!.input_tokens + (u!.cache_creation_input_tokens ?? 0) + (u!.cache_read_input_tokens ?? 0);
		return publicRequest(l, total);
	});
}

/** The 210 OpenAI chat-completions requests (pydantic-ai cassettes, one Inspect log) with `usage.prompt_tokens`. */
export function publicOpenAIRequests(): PublicRecordedRequest[] {
	return recordedLines('openai_chat.jsonl').map(l => publicRequest(l, l.usage!.prompt_tokens!));
}
