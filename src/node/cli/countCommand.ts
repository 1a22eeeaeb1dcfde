import { resolve } from 'node:path';
import { InputError } from '../../core/lib/errors';
import type { PromptFormat } from '../../core/prompts/promptGlobs';
import { promptFormatOf } from '../../core/prompts/promptGlobs';
import { countPromptText, readPromptFile } from '../../core/prompts/promptFile';
import { stringifyForOutput } from '../../core/lib/outputNumbers';
import type { TokenCount } from '../../core/tokens/types';
import { workspacePriceOverridesRelativePath } from '../priceOverridesFile';
import { type CliCommand, type CliIo, type ParsedCliArgs, UsageError } from './cliCommand';
import { unknownModelProblem } from '../modelCheck';
import { loadCliPriceOverrides } from './overridesOption';
import { NotRegularFileError, readRegularFile } from '../regularFile';
import { Utf8Validator } from '../../core/lib/utf8Validator';

const usage = `Usage: agent-cost count <file|-> --model M [--text] [--json]

Counts the input tokens of the call a prompt file asks for — the number the status-bar lens
shows for it — or, with --text, its raw text.

How the file is read depends on its name, as in the editor: *.json / *.jsonl as a chat request (an
array of messages, an OpenAI chat / Anthropic messages request body, or JSONL: messages, tool
definitions, tool calls and the provider's per-message framing); *.prompty as its role sections;
anything else (.prompt, .md, .txt…) as one user message, without its --- front matter. Stdin is a
chat when it parses as one. A chat file that does not parse is counted as raw text (≈).

Exact (tiktoken ids) for OpenAI models: o200k_base for gpt-4o, gpt-4.1, gpt-5 and the o-series,
cl100k_base for gpt-4 and gpt-3.5. Claude has no public tokenizer: its count is an estimate
calibrated on real Anthropic usage (marked ≈, "exact": false), as are Gemini and other models.

Options:
  --model M         model id, e.g. gpt-4o, openai/gpt-4.1-mini, claude-sonnet-4-5, gemini-2.5-pro
                    (default: the model the file names — front matter or request body); it must
                    be a model the price data or your overrides know — a typo is an error naming
                    the closest known ids
  --text            count the raw text (no chat framing, front matter included)
  --overrides FILE  price overrides JSON: its model ids count as known (so does
                    ${workspacePriceOverridesRelativePath} in the current folder)
  --json            print {"model","encoding","tokens","exact","format","messages","problem"?}

Exit codes: 0 counted, 1 the file cannot be read, 2 bad arguments or an unknown model id.

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
	/** How the file was read (`text`: one user message; `prompty`: its role sections; `chat`: a chat request). */
	readonly format?: PromptFormat;
	/** Messages counted (0 when the file was counted as raw text). */
	readonly messages?: number;
	/** Why the file was counted as raw text, or has no tokens. */
	readonly problem?: string;
	/** Chat files only: parts without countable text (images, audio); the count is then a lower bound. */
	readonly uncountedParts?: number;
}

async function readInput(path: string, io: CliIo): Promise<string> {
	if (path === '-') return io.readStdin();
	try {
		const bytes = await readRegularFile(resolve(io.cwd, path));
		const utf8 = new Utf8Validator();
		utf8.push(bytes);
		utf8.end();
		if (utf8.invalid > 0) io.stderr(`agent-cost: warning: ${path}: ${utf8.invalid} byte sequence(s) are not valid UTF-8 (the first at byte ${utf8.firstInvalid}); counted as U+FFFD\n`);
		return bytes.toString('utf8');
	} catch (e) {
		const code = (e as NodeJS.ErrnoException).code;
		const why = NotRegularFileError.is(e)
			? `is ${e.what}, not a regular file (refused: reading it could block forever)`
			: code === 'ENOENT'
				? 'no such file'
				: code === 'EISDIR'
					? 'is a directory'
					: code === 'EACCES'
						? 'permission denied'
						: String((e as Error).message);
		throw new InputError('badFile', `cannot read ${path}: ${why}`);
	}
}

/** The format of stdin: a chat when it parses as one, else text. */
function formatOfStdin(text: string): PromptFormat {
	return /^\s*[[{]/.test(text) && readPromptFile(text, 'chat').problem === undefined ? 'chat' : 'text';
}

/**
 * Counts a prompt file as the call it asks for — exactly what the status-bar lens shows for it
 * (`countPromptText`) — or, with `forceText`, its raw text. The rank tables load on first use,
 * never at CLI start.
 */
export async function countFile(
	text: string,
	model: string | undefined,
	options: {
		readonly fileName?: string;
		readonly forceText?: boolean;
		/** Rejects model ids the catalog cannot name (a typo counts as nothing, with suggestions). */
		readonly isKnown?: (id: string) => string | undefined;
	} = {},
): Promise<CountReport> {
	const format: PromptFormat = options.fileName ? promptFormatOf(options.fileName) : formatOfStdin(text);
	const chosen = model ?? (options.forceText ? undefined : readPromptFile(text, format).model);
	if (chosen === undefined) throw new UsageError('missing required option --model');
	// count.ts evaluates the rank tables: load it only when a count is needed.
	const { checkModelId, countChat, countText } = await import('../../core/tokens/count');
	let id: string;
	try {
		id = checkModelId(chosen);
	} catch (e) {
		throw new UsageError(e instanceof Error ? e.message : String(e));
	}
	const unknown = options.isKnown?.(id);
	if (unknown !== undefined) throw new UsageError(unknown);
	if (options.forceText) {
		const c = countText(id, text);
		return { model: id, encoding: c.method, tokens: c.tokens, exact: c.exact };
	}
	const c = countPromptText({ countChat, countText }, id, text, format);
	return {
		model: id,
		encoding: c.method,
		tokens: c.tokens,
		exact: c.exact,
		format: c.format,
		messages: c.messages,
		...(c.uncountedParts ? { uncountedParts: c.uncountedParts } : {}),
		...(c.problem !== undefined && { problem: c.problem }),
	};
}

function humanLine(r: CountReport): string {
	const n = r.tokens.toLocaleString('en-US');
	const what = r.messages === undefined || r.messages === 0 ? '' : ` in ${r.messages} message${r.messages === 1 ? '' : 's'}`;
	const how = r.exact ? `${r.encoding}, exact` : `${r.encoding}, estimate`;
	const lower = r.uncountedParts ? ` (+ ${r.uncountedParts} image/audio part${r.uncountedParts === 1 ? '' : 's'} not counted)` : '';
	const problem = r.problem ? ` — ${r.problem}` : '';
	return `${r.exact ? '' : '≈ '}${n} tokens${what} for ${r.model} (${how})${lower}${problem}`;
}

export const countCommand: CliCommand = {
	name: 'count',
	summary: 'count the tokens of a prompt file or chat JSON for a model (exact for OpenAI, ≈ for Claude)',
	usage,
	options: {
		model: { type: 'string' },
		text: { type: 'boolean' },
		overrides: { type: 'string' },
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
		const file = args.positionals[0]!;
		const overrides = await loadCliPriceOverrides(args, io);
		const report = await countFile(text, model, { ...(file !== '-' && { fileName: file }), forceText: args.values.text === true, isKnown: id => unknownModelProblem(id, overrides) });
		io.stdout(args.values.json ? `${stringifyForOutput(report)}\n` : `${humanLine(report)}\n`);
		return 0;
	},
};
