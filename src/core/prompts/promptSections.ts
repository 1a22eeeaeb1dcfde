/**
 * Context attribution: which part of a prompt file costs what. The editor shows each part's tokens
 * above it (a CodeLens per chat message and tool definition, per `.prompty` role section, per
 * Markdown heading section), so a user sees where to cut — tool definitions are often the largest.
 *
 * Each part is read by THE prompt reader ({@link readPromptFile}, with origins) and counted with the
 * same counter as the whole, as what it adds to the request:
 * - a message (or the messages one JSON element becomes): what it adds to the request, from
 *   `countChatParts` — the same formula as the whole, so the parts of an OpenAI chat plus the reply
 *   priming ARE the count;
 * - the tool definitions: what the tools block adds (at the `tools` key); each definition gets the
 *   block's tokens in proportion to its own text, so they add up to the block;
 * - a Markdown section of a text prompt: its text (headings start sections; fences are skipped).
 */
import type { CountChatOptions } from '../tokens/count';
import type { ChatParts } from '../tokens/openaiChat';
import type { ChatMessageLike, TokenCount, ToolDefinitionLike } from '../tokens/types';
import type { ChatCounter, PromptRequest } from './promptFile';
import { chatMessagesOf, countOptionsOf, countPromptRequest, readPromptFile } from './promptFile';
import type { PromptFormat } from './promptGlobs';

type PromptSectionKind = 'message' | 'tools' | 'tool' | 'heading';

export interface PromptSection {
	/** UTF-16 offset in the file where the part starts (the lens goes on its line). */
	readonly offset: number;
	readonly kind: PromptSectionKind;
	/** `#2 user`, `#3 assistant → read_file`, `tool get_weather`, `4 tool definitions`, `## Examples`. */
	readonly label: string;
	readonly tokens: number;
	readonly exact: boolean;
	/** The part's share of the whole prompt's input tokens (0–1). */
	readonly share: number;
}

/** `countChat`, `countChatParts` and `countText` of `src/core/tokens/count.ts`. */
export interface SectionCounter {
	readonly countChat: ChatCounter;
	readonly countChatParts: (model: string, messages: readonly ChatMessageLike[], tools?: readonly ToolDefinitionLike[], options?: CountChatOptions) => TokenCount & { readonly parts: ChatParts };
	readonly countText: (model: string, text: string) => TokenCount;
}

/** More parts than this (a pasted transcript) are not worth a lens each: the first ones are shown. */
const maxPromptSections = 1000;

const headingLine = /^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$/;
const fenceLine = /^ {0,3}(```|~~~)/;

/** Heading sections of a Markdown text: [offset, heading text] of each heading, outside code fences. */
function markdownHeadings(text: string, from: number): { offset: number; title: string }[] {
	const out: { offset: number; title: string }[] = [];
	let fence: string | undefined;
	let offset = from;
	for (const raw of text.slice(from).split('\n')) {
		const line = raw.replace(/\r$/, '');
		const f = fenceLine.exec(line);
		if (f) fence = fence === undefined ? f[1] : fence === f[1] ? undefined : fence;
		else if (fence === undefined) {
			const h = headingLine.exec(line);
			if (h) out.push({ offset, title: `${h[1]} ${h[2]}` });
		}
		offset += raw.length + 1;
	}
	return out;
}

function messageLabel(index: number, messages: readonly ChatMessageLike[]): string {
	const first = messages[0]!; // a part has at least one message
	const calls = messages.flatMap(m => m.toolCalls ?? []).map(c => c.name);
	const results = messages.filter(m => m.role === 'tool' || m.role === 'function').length;
	const role = messages.find(m => m.role !== 'tool' && m.role !== 'function')?.role ?? first.role;
	const parts = [`#${index + 1} ${results > 0 && results === messages.length ? 'tool result' : role}`];
	if (results > 0 && results < messages.length) parts.push(`+ ${results} tool result${results === 1 ? '' : 's'}`);
	if (calls.length > 0) parts.push(`→ ${calls.slice(0, 3).join(', ')}${calls.length > 3 ? ` +${calls.length - 3}` : ''}`);
	return parts.join(' ');
}

const share = (tokens: number, total: number): number => (total > 0 ? Math.max(0, tokens) / total : 0);

/**
 * The parts of a prompt file and their input tokens for `model`. Total: a file the reader cannot
 * read (mid-edit JSON) has no parts; a text prompt without headings has none (the status bar is it).
 */
export function promptSections(counter: SectionCounter, model: string, text: string, format: PromptFormat): PromptSections {
	const request = readPromptFile(text, format, { origins: true });
	if (request.problem || !request.origins) return { tokens: 0, sections: [] };
	if (format !== 'text') return chatSections(counter, model, request);
	const tokens = countPromptRequest(counter.countChat, model, request).tokens;
	return { tokens, sections: headingSections(counter, model, text, request, tokens) };
}

/** The parts of a prompt and the whole prompt's input tokens (what their shares are of). */
export interface PromptSections {
	readonly tokens: number;
	readonly sections: readonly PromptSection[];
}

function headingSections(counter: SectionCounter, model: string, text: string, request: PromptRequest, total: number): PromptSection[] {
	const bodyStart = request.origins?.messages[0] ?? 0;
	const headings = markdownHeadings(text, bodyStart);
	if (headings.length === 0) return [];
	const starts = headings[0]!.offset > bodyStart && text.slice(bodyStart, headings[0]!.offset).trim() !== '' ? [{ offset: bodyStart, title: '(before the first heading)' }, ...headings] : headings;
	return starts.slice(0, maxPromptSections).map((h, i) => {
		const end = i + 1 < starts.length ? starts[i + 1]!.offset : text.length;
		const c = counter.countText(model, text.slice(h.offset, end).trim());
		return { offset: h.offset, kind: 'heading', label: h.title.length > 60 ? `${h.title.slice(0, 59)}…` : h.title, tokens: c.tokens, exact: c.exact, share: share(c.tokens, total) };
	});
}

function chatSections(counter: SectionCounter, model: string, request: PromptRequest): PromptSections {
	const origins = request.origins!;
	const messages = chatMessagesOf(request);
	const tools: readonly ToolDefinitionLike[] = request.tools ?? [];
	const whole = counter.countChatParts(model, messages, tools, countOptionsOf(request));
	const total = whole.tokens;
	const exact = whole.exact && request.uncountedParts === 0;
	const out: PromptSection[] = [];
	// Messages that come from one place (an Anthropic message with tool results) are one part.
	let i = 0;
	let index = 0;
	while (i < messages.length && out.length < maxPromptSections) {
		let j = i + 1;
		while (j < messages.length && origins.messages[j] === origins.messages[i]) j++;
		let tokens = 0;
		for (let k = i; k < j; k++) tokens += whole.parts.messages[k] ?? 0;
		out.push({ offset: origins.messages[i] ?? 0, kind: 'message', label: messageLabel(index, messages.slice(i, j)), tokens, exact, share: share(tokens, total) });
		i = j;
		index++;
	}
	if (tools.length > 0) {
		const toolsTokens = whole.parts.tools;
		if (origins.toolsKey !== undefined) {
			out.push({ offset: origins.toolsKey, kind: 'tools', label: `${tools.length} tool definition${tools.length === 1 ? '' : 's'}`, tokens: toolsTokens, exact, share: share(toolsTokens, total) });
		}
		// The tools block is rendered as one text: each definition gets the block's tokens in
		// proportion to its own rendering, so the definitions add up to the block (an estimate).
		const alone = tools.map(t => counter.countText(model, `${t.name}\n${t.description ?? ''}\n${JSON.stringify(t.parameters ?? {})}`).tokens);
		const sum = alone.reduce((a, b) => a + b, 0);
		for (const [k, tool] of tools.entries()) {
			if (out.length >= maxPromptSections) break;
			const tokens = sum > 0 ? Math.round((toolsTokens * alone[k]!) / sum) : 0;
			out.push({ offset: origins.tools[k] ?? 0, kind: 'tool', label: `tool ${tool.name || '(unnamed)'}`, tokens, exact: false, share: share(tokens, total) });
		}
	}
	return { tokens: total, sections: out };
}
