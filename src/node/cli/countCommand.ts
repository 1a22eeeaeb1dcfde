import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError } from '../../core/lib/errors';
import { stringifyForOutput } from '../../core/lib/outputNumbers';
import type { ParsedChat } from '../../core/tokens/chatShapes';
import type { TokenCount } from '../../core/tokens/types';
import { type CliCommand, type CliIo, type ParsedCliArgs, UsageError } from './cliCommand';

const usage = `Usage: agent-cost count <file|-> --model M [--text] [--json]

Counts the tokens of a file (or of stdin with -) for a model.

A chat JSON file (an array of messages, or an OpenAI chat / Anthropic messages request body with
"messages") is counted as the prompt of one call: messages, tool definitions, tool calls and the
provider's per-message framing. Any other file is counted as plain text.

Exact (tiktoken ids) for OpenAI models: o200k_base for gpt-4o, gpt-4.1, gpt-5 and the o-series,
cl100k_base for gpt-4 and gpt-3.5. Claude has no public tokenizer: its count is an estimate
calibrated on real Anthropic usage (marked ≈, "exact": false), as are Gemini and other models.

Options:
  --model M   model id, e.g. gpt-4o, openai/gpt-4.1-mini, claude-sonnet-4-5, gemini-2.5-pro
              (default for a chat request body: its "model")
  --text      count a JSON file as plain text even if it looks like a chat
  --json      print {"model","encoding","tokens","exact","messages"?}

Exit codes: 0 counted, 1 the file cannot be read, 2 bad arguments or no usable model id.

Examples:
  agent-cost count prompts/system.md --model gpt-4o
  agent-cost count request.json --model claude-sonnet-4-5 --json
  cat notes.txt | agent-cost count - --model gpt-4.1-mini`;

export interface CountReport {
	readonly model: string;
	/** The encoding of an exact count, or the estimate method (`claude-estimate`, `heuristic-estimate`). */
	readonly encoding: TokenCount['method'];
	readonly tokens: number;
	readonly exact: boolean;
	/** Chat files only: number of messages counted. */
	readonly messages?: number;
	/** Chat files only: parts without countable text (images, audio); the count is then a lower bound. */
	readonly uncountedParts?: number;
}

async function readInput(path: string, io: CliIo): Promise<string> {
	if (path === '-') return io.readStdin();
	try {
		return await readFile(resolve(io.cwd, path), 'utf8');
	} catch (e) {
		const code = (e as NodeJS.ErrnoException).code;
		const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((e as Error).message);
		throw new InputError('badFile', `cannot read ${path}: ${why}`);
	}
}

/** The chat in `text`, if it is chat JSON. */
async function asChat(text: string): Promise<ParsedChat | undefined> {
	const first = text.trimStart()[0];
	if (first !== '[' && first !== '{') return undefined;
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return undefined;
	}
	const { parseChatJson } = await import('../../core/tokens/chatShapes');
	return parseChatJson(value);
}

/** Counts a file's text for `model` (the rank tables load on first use, never at CLI start). */
export async function countFile(text: string, model: string | undefined, forceText: boolean): Promise<CountReport> {
	const chat = forceText ? undefined : await asChat(text);
	const chosen = model ?? chat?.model;
	if (chosen === undefined) throw new UsageError('missing required option --model');
	// count.ts evaluates the rank tables: load it only when a count is needed.
	const { checkModelId, countChat, countText } = await import('../../core/tokens/count');
	let id: string;
	try {
		id = checkModelId(chosen);
	} catch (e) {
		throw new UsageError(e instanceof Error ? e.message : String(e));
	}
	if (chat) {
		const c = countChat(id, chat.messages, chat.tools, { thinking: chat.thinking });
		return {
			model: id,
			encoding: c.method,
			tokens: c.tokens,
			exact: c.exact && chat.uncountedParts === 0,
			messages: chat.messages.length,
			...(chat.uncountedParts ? { uncountedParts: chat.uncountedParts } : {}),
		};
	}
	const c = countText(id, text);
	return { model: id, encoding: c.method, tokens: c.tokens, exact: c.exact };
}

function humanLine(r: CountReport): string {
	const n = r.tokens.toLocaleString('en-US');
	const what = r.messages === undefined ? '' : ` in ${r.messages} message${r.messages === 1 ? '' : 's'}`;
	const how = r.exact ? `${r.encoding}, exact` : `${r.encoding}, estimate`;
	const lower = r.uncountedParts ? ` (+ ${r.uncountedParts} image/audio part${r.uncountedParts === 1 ? '' : 's'} not counted)` : '';
	return `${r.exact ? '' : '≈ '}${n} tokens${what} for ${r.model} (${how})${lower}`;
}

export const countCommand: CliCommand = {
	name: 'count',
	summary: 'count the tokens of a prompt file or chat JSON for a model (exact for OpenAI, ≈ for Claude)',
	usage,
	options: {
		model: { type: 'string' },
		text: { type: 'boolean' },
		json: { type: 'boolean' },
	},
	async run(args: ParsedCliArgs, io: CliIo): Promise<number> {
		if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'count: missing <file|-> argument' : `count: expected one file, got ${args.positionals.length}`);
		const model = args.values.model;
		if (model !== undefined && typeof model !== 'string') throw new UsageError('--model takes a model id');
		let text: string;
		try {
			text = await readInput(args.positionals[0], io);
		} catch (e) {
			io.stderr(`agent-cost: ${e instanceof Error ? e.message : String(e)}\n`);
			return 1;
		}
		const report = await countFile(text, model, args.values.text === true);
		io.stdout(args.values.json ? `${stringifyForOutput(report)}\n` : `${humanLine(report)}\n`);
		return 0;
	},
};
