/**
 * Reads a prompt file into the conversation a live call sends ("Agent Cost: Run Prompt File"):
 *
 * - plain text / Markdown (`*.prompt`, `*.prompt.md`, `prompts/**.md|txt`): ONE user message; a
 *   leading `---` front matter block is metadata (its `model:` pins the model) and is not sent;
 * - Prompty (`*.prompty`): front matter (`model:` as a string, or `model.configuration.name` /
 *   `azure_deployment` with `model.parameters.max_tokens|temperature`) and a body split into
 *   `system:` / `user:` / `assistant:` sections; `{{name}}` placeholders are filled from the front
 *   matter's `sample:` values;
 * - chat JSON (`*.messages.json`, `*.messages.jsonl`, a `{messages:[…]}` request body or an array):
 *   OpenAI-chat or Anthropic-messages shapes, tool calls and tool results kept as such; a request
 *   body's `model`, `max_tokens`, `temperature`, `tools` and `system` are used.
 *
 * Pure: no I/O. The host passes the document text (and the selection, when there is one).
 */
import { parseChatDocument } from '../compression/chatFile';
import { InputError } from '../lib/errors';
import type { ProviderMessage, ProviderToolCall } from '../ports/llmTransport';
import type { ToolDefinitionLike } from '../tokens/types';

export type PromptFileFormat = 'text' | 'prompty' | 'chat';

/** What a prompt file asks for. */
export interface PromptFileRequest {
	readonly format: PromptFileFormat;
	readonly messages: readonly ProviderMessage[];
	/** The model the file names (front matter, request body): routing is skipped for it. */
	readonly model?: string;
	readonly maxOutputTokens?: number;
	readonly temperature?: number;
	readonly tools?: readonly ToolDefinitionLike[];
	/** Things the user should know about how the file was read (unfilled placeholders…). */
	readonly warnings: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Front matter: the YAML subset prompt files use (nested maps, scalars, block scalars, lists).

type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

interface YamlLine {
	readonly indent: number;
	readonly text: string;
}

function scalar(raw: string): Yaml {
	const s = raw.trim();
	if (s === '' || s === '~' || s === 'null') return null;
	if (s === 'true') return true;
	if (s === 'false') return false;
	if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
	if ((s.startsWith('"') && s.endsWith('"') && s.length >= 2) || (s.startsWith("'") && s.endsWith("'") && s.length >= 2)) {
		const inner = s.slice(1, -1);
		return s[0] === '"' ? inner.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\') : inner.replace(/''/g, "'");
	}
	// A trailing comment is not part of a plain scalar.
	return s.replace(/\s+#.*$/, '');
}

/** Parses lines[i…] that are indented more than `parent` into a map or a list. */
function parseBlock(lines: readonly YamlLine[], from: number, parent: number): { value: Yaml; next: number } {
	const skipBlank = (i: number) => {
		while (i < lines.length && lines[i].text === '') i++;
		return i;
	};
	const start = skipBlank(from);
	if (start >= lines.length || lines[start].indent <= parent) return { value: null, next: from };
	const indent = lines[start].indent;
	if (lines[start].text.startsWith('- ') || lines[start].text === '-') {
		const list: Yaml[] = [];
		let i = start;
		while ((i = skipBlank(i)) < lines.length && lines[i].indent === indent && (lines[i].text.startsWith('- ') || lines[i].text === '-')) {
			const item = lines[i].text.slice(1).trim();
			i++;
			if (item === '') {
				const sub = parseBlock(lines, i, indent);
				list.push(sub.value);
				i = sub.next;
			} else list.push(scalar(item));
			while (i < lines.length && (lines[i].indent > indent || lines[i].text === '')) i++; // nested item maps: not needed
		}
		return { value: list, next: i };
	}
	const map: { [key: string]: Yaml } = {};
	let i = start;
	while ((i = skipBlank(i)) < lines.length && lines[i].indent === indent) {
		const m = /^([^:#][^:]*?)\s*:(?:\s+(.*)|\s*)$/.exec(lines[i].text);
		if (!m) {
			i++;
			continue;
		}
		const key = m[1].trim().replace(/^["']|["']$/g, '');
		const rest = (m[2] ?? '').trim();
		i++;
		if (/^[|>][+-]?$/.test(rest)) {
			const body: string[] = [];
			let blockIndent: number | undefined;
			while (i < lines.length && (lines[i].indent > indent || lines[i].text === '')) {
				blockIndent ??= lines[i].text === '' ? undefined : lines[i].indent;
				body.push(lines[i].text === '' ? '' : ' '.repeat(lines[i].indent - (blockIndent ?? lines[i].indent)) + lines[i].text);
				i++;
			}
			const text = rest[0] === '|' ? body.join('\n') : body.join('\n').replace(/([^\n])\n(?=[^\n ])/g, '$1 ');
			map[key] = rest.endsWith('-') ? text.replace(/\n+$/, '') : text.replace(/\n*$/, '\n');
		} else if (rest === '') {
			const sub = parseBlock(lines, i, indent);
			map[key] = sub.value;
			i = sub.next;
		} else map[key] = scalar(rest);
		while (i < lines.length && (lines[i].indent > indent || lines[i].text === '')) i++; // continuation lines of a plain scalar: ignored
	}
	return { value: map, next: i };
}

/** The front matter's map, or undefined when the text has no (parsable) front matter. */
export function parseFrontMatter(text: string): { data: { [key: string]: Yaml }; body: string } | undefined {
	const m = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
	if (!m) return undefined;
	const lines: YamlLine[] = [];
	for (const raw of m[1].split(/\r?\n/)) {
		if (/^\s*#/.test(raw)) continue;
		const text = raw.replace(/\s+$/, '');
		lines.push({ indent: text === '' ? 0 : raw.length - raw.trimStart().length, text: text.trim() });
	}
	const content = lines.filter(l => l.text !== '');
	// Something between two `---` lines that is not `key: value` is not front matter (e.g. a horizontal rule).
	if (content.length > 0 && !/^[^:#\s][^:]*:/.test(content[0].text)) return undefined;
	const parsed = parseBlock(lines, 0, -1).value;
	const data = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : {};
	return { data, body: text.slice(m[0].length) };
}

function str(v: Yaml | undefined): string | undefined {
	return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function num(v: unknown): number | undefined {
	return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function obj(v: unknown): { [key: string]: Yaml } {
	return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as { [key: string]: Yaml }) : {};
}

/** Model and sampling parameters from front matter (`model: gpt-4o` or Prompty's nested form). */
function modelOf(data: { [key: string]: Yaml }): Pick<PromptFileRequest, 'model' | 'maxOutputTokens' | 'temperature'> {
	const m = data.model;
	if (typeof m === 'string') return { model: str(m) };
	const conf = obj(obj(m).configuration);
	const params = obj(obj(m).parameters);
	const model = str(conf.name) ?? str(conf.azure_deployment) ?? str(conf.model) ?? str(obj(m).id) ?? str(obj(m).name);
	const maxOutputTokens = num(params.max_tokens) ?? num(params.max_completion_tokens) ?? num(params.max_output_tokens);
	const temperature = num(params.temperature);
	return {
		...(model !== undefined && { model }),
		...(maxOutputTokens !== undefined && Number.isInteger(maxOutputTokens) && maxOutputTokens > 0 && { maxOutputTokens }),
		...(temperature !== undefined && temperature >= 0 && { temperature }),
	};
}

// ---------------------------------------------------------------------------------------------
// Prompty bodies

const roleLine = /^[ \t]*(system|user|assistant|developer)[ \t]*:[ \t]*$/i;

function fillPlaceholders(text: string, sample: { [key: string]: Yaml }, unfilled: Set<string>): string {
	return text.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (whole, name: string) => {
		const v = sample[name];
		if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v).replace(/\n$/, '');
		unfilled.add(name);
		return whole;
	});
}

function promptyMessages(body: string, sample: { [key: string]: Yaml }, warnings: string[]): ProviderMessage[] {
	const unfilled = new Set<string>();
	const out: ProviderMessage[] = [];
	let role: 'system' | 'user' | 'assistant' | undefined;
	let lines: string[] = [];
	const flush = () => {
		const content = fillPlaceholders(lines.join('\n'), sample, unfilled).trim();
		lines = [];
		if (content === '') return;
		// Text before the first role marker is the system prompt (Prompty's convention).
		const r = role ?? 'system';
		out.push(r === 'assistant' ? { role: 'assistant', content } : { role: r, content });
	};
	for (const line of body.split(/\r?\n/)) {
		const m = roleLine.exec(line);
		if (m) {
			flush();
			const r = m[1].toLowerCase();
			role = r === 'developer' ? 'system' : (r as 'system' | 'user' | 'assistant');
		} else lines.push(line);
	}
	flush();
	if (unfilled.size) warnings.push(`placeholders without a sample value were sent as written: ${[...unfilled].map(n => `{{${n}}}`).join(', ')}`);
	// A body of only a system prompt still needs a user turn: send it as the user's message.
	if (out.length === 1 && out[0].role === 'system') return [{ role: 'user', content: out[0].content }];
	return out;
}

// ---------------------------------------------------------------------------------------------
// Chat JSON

function toolCallsOf(raw: Record<string, unknown>): ProviderToolCall[] {
	const calls: ProviderToolCall[] = [];
	if (Array.isArray(raw.tool_calls)) {
		for (const c of raw.tool_calls as Record<string, unknown>[]) {
			const f = obj(c?.function) as Record<string, unknown>;
			const args = f.arguments;
			calls.push({ id: String(c?.id ?? `call_${calls.length}`), name: String(f.name ?? c?.name ?? 'tool'), arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) });
		}
	}
	if (Array.isArray(raw.content)) {
		for (const b of raw.content as Record<string, unknown>[]) {
			if (b?.type === 'tool_use') calls.push({ id: String(b.id ?? `call_${calls.length}`), name: String(b.name ?? 'tool'), arguments: JSON.stringify(b.input ?? {}) });
		}
	}
	return calls;
}

function blockText(b: unknown): string {
	if (typeof b === 'string') return b;
	const o = obj(b) as Record<string, unknown>;
	if (typeof o.text === 'string') return o.text;
	if (typeof o.content === 'string') return o.content;
	if (Array.isArray(o.content)) return o.content.map(blockText).join('\n');
	return '';
}

/** One raw chat message → provider messages (an Anthropic user turn with tool results becomes tool messages + text). */
function providerMessagesOf(raw: Record<string, unknown>): ProviderMessage[] {
	const role = String(raw.role);
	const blocks = Array.isArray(raw.content) ? (raw.content as unknown[]) : undefined;
	const text = blocks
		? blocks
				.filter(b => obj(b).type !== 'tool_use' && obj(b).type !== 'tool_result')
				.map(blockText)
				.filter(Boolean)
				.join('\n')
		: typeof raw.content === 'string'
			? raw.content
			: raw.content == null
				? ''
				: JSON.stringify(raw.content);
	switch (role) {
		case 'system':
		case 'developer':
			return [{ role: 'system', content: text }];
		case 'assistant': {
			const toolCalls = toolCallsOf(raw);
			return [toolCalls.length ? { role: 'assistant', content: text, toolCalls } : { role: 'assistant', content: text }];
		}
		case 'tool':
		case 'function':
			return [{ role: 'tool', toolCallId: String(raw.tool_call_id ?? raw.name ?? ''), content: text }];
		default: {
			const results: ProviderMessage[] = (blocks ?? [])
				.filter(b => obj(b).type === 'tool_result')
				.map(b => ({ role: 'tool' as const, toolCallId: String(obj(b).tool_use_id ?? ''), content: blockText(b), ...(obj(b).is_error === true ? { isError: true } : {}) }));
			return text !== '' || results.length === 0 ? [...results, { role: 'user', content: text }] : results;
		}
	}
}

function toolDefinitions(v: unknown): ToolDefinitionLike[] | undefined {
	if (!Array.isArray(v)) return undefined;
	const out: ToolDefinitionLike[] = [];
	for (const t of v) {
		const o = obj(t) as Record<string, unknown>;
		const f = obj(o.function) as Record<string, unknown>;
		const name = typeof f.name === 'string' ? f.name : typeof o.name === 'string' ? o.name : undefined;
		if (!name) continue;
		const description = typeof f.description === 'string' ? f.description : typeof o.description === 'string' ? o.description : undefined;
		const parameters = f.parameters ?? o.input_schema ?? o.parameters;
		out.push({ name, ...(description !== undefined && { description }), ...(parameters !== undefined && { parameters }) });
	}
	return out.length ? out : undefined;
}

function chatRequest(text: string): PromptFileRequest | undefined {
	const doc = parseChatDocument(text);
	if (!doc) return undefined;
	const messages: ProviderMessage[] = [];
	const env = (doc.envelope ?? {}) as Record<string, unknown>;
	if (typeof env.system === 'string' && env.system.trim()) messages.push({ role: 'system', content: env.system });
	else if (Array.isArray(env.system)) {
		const s = env.system.map(blockText).join('\n');
		if (s.trim()) messages.push({ role: 'system', content: s });
	}
	for (const m of doc.messages) messages.push(...providerMessagesOf(obj(doc.originals.get(m)) as Record<string, unknown>));
	const model = typeof env.model === 'string' && env.model.trim() ? env.model.trim() : undefined;
	const maxOutputTokens = num(env.max_tokens) ?? num(env.max_completion_tokens);
	const temperature = num(env.temperature);
	const tools = toolDefinitions(env.tools);
	return {
		format: 'chat',
		messages,
		...(model !== undefined && { model }),
		...(maxOutputTokens !== undefined && Number.isInteger(maxOutputTokens) && maxOutputTokens > 0 && { maxOutputTokens }),
		...(temperature !== undefined && temperature >= 0 && { temperature }),
		...(tools && { tools }),
		warnings: [],
	};
}

/**
 * Reads a prompt file (see the module comment). `selection`, when given and not blank, is sent
 * instead of the file's body — as a chat if it is chat JSON, else as one user message — while the
 * file's front matter still names the model. Throws `InputError('badFile')` when there is nothing
 * to send.
 */
export function parsePromptFile(text: string, fileName: string, selection?: string): PromptFileRequest {
	const lower = fileName.toLowerCase();
	const isJsonName = /\.(json|jsonl)$/.test(lower);
	const front = isJsonName ? undefined : parseFrontMatter(text);
	const meta = front ? modelOf(front.data) : {};
	const warnings: string[] = [];
	let request: PromptFileRequest | undefined;
	if (selection !== undefined && selection.trim() !== '') {
		const chat = /^\s*[[{]/.test(selection) ? chatRequest(selection) : undefined;
		request = chat ?? { format: 'text', messages: [{ role: 'user', content: selection.trim() }], warnings };
	} else if (isJsonName || /^\s*[[{]/.test(text)) {
		request = chatRequest(text);
		if (!request && isJsonName)
			throw new InputError('badFile', `${fileName} is not a chat file: expected a JSON array of {role, content} messages, a {"messages": [...]} request body, or JSONL with one message per line.`);
	}
	if (!request) {
		const body = front ? front.body : text;
		if (lower.endsWith('.prompty')) request = { format: 'prompty', messages: promptyMessages(body, obj(front?.data.sample), warnings), warnings };
		else request = { format: 'text', messages: body.trim() === '' ? [] : [{ role: 'user', content: body.trim() }], warnings };
	}
	if (request.messages.length === 0 || request.messages.every(m => m.content.trim() === '' && !(m.role === 'assistant' && m.toolCalls?.length))) {
		throw new InputError('badFile', `${fileName} has no prompt text to send.`);
	}
	return {
		...request,
		...(request.model === undefined && meta.model !== undefined && { model: meta.model }),
		...(request.maxOutputTokens === undefined && meta.maxOutputTokens !== undefined && { maxOutputTokens: meta.maxOutputTokens }),
		...(request.temperature === undefined && meta.temperature !== undefined && { temperature: meta.temperature }),
		warnings: request.warnings === warnings ? warnings : [...request.warnings, ...warnings],
	};
}
