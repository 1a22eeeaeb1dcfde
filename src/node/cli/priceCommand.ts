import { stringifyForOutput } from '../../core/lib/outputNumbers';
import { createPriceCatalog } from '../../core/pricing/catalog';
import { formatPerMtok, formatTokens, formatUsd } from '../../core/pricing/format';
import type { CostResult, TokenPrices } from '../../core/pricing/types';
import { uncachedInput, type Usage, withServerTools } from '../../core/pricing/usage';
import { workspacePriceOverridesRelativePath } from '../priceOverridesFile';
import { knownModelIds, suggestModelIds } from '../../core/pricing/modelSuggestions';
import { unknownModelProblem } from '../modelCheck';
import { loadCliPriceOverrides } from './overridesOption';
import { type CliCommand, optionalCount, type ParsedCliArgs, requireString, UsageError } from './cliCommand';

const usage = `Usage: agent-cost price --model M --input N --output N [options]

Prices one LLM call from its token usage with the bundled @pydantic/genai-prices data and your
overrides. Exits 2 when the model has no known price (never a silent $0).

Token convention: --input is the TOTAL input (prompt) tokens, cache reads and writes INCLUDED —
like OpenAI's prompt_tokens. From Anthropic usage pass
input_tokens + cache_read_input_tokens + cache_creation_input_tokens. The cache options say
which part of that total was read from or written to the cache; they may not exceed --input.
--output is the total generated tokens including reasoning.

Options:
  --model M              model id, e.g. gpt-4o, claude-sonnet-4-5-20250929, openai/gpt-4o-mini,
                         google/gemini-3-pro-preview (provider/model and dated ids are understood)
  --input N              TOTAL input tokens (cache reads and writes included)
  --output N             output tokens (reasoning included)
  --cache-read N         part of --input read from the prompt cache
  --cache-write N        part of --input written to the cache with the 5-minute TTL
  --cache-write-1h N     part of --input written to the cache with the 1-hour TTL
  --reasoning N          part of --output that was reasoning (billed as output)
  --server-tool NAME=N   uses of a provider-run tool billed per use, e.g. web_search=2 (Anthropic
                         server_tool_use.web_search_requests, OpenAI web_search_call items);
                         repeatable. A fee the price data does not know is reported as unpriced
  --provider P           provider id when the model id alone is ambiguous (openai, anthropic,
                         google, openrouter, aws, azure…)
  --batch                the call went through the provider's batch API (discounted)
  --at DATE              when the call happened (ISO date or date-time), for historic prices;
                         default: now
  --overrides FILE       price overrides JSON (same shape as the agentCost.pricing.overrides
                         setting); wins over ${workspacePriceOverridesRelativePath} in the current folder, which is
                         read when present
  --json                 print {"model","usd","breakdown","exact","source","priceId","notes",…}

Examples:
  agent-cost price --model gpt-4o --input 12000 --cache-read 8000 --output 500
  agent-cost price --model claude-opus-4-6 --input 50000 --cache-write 20000 --cache-write-1h 10000 --output 800 --json
  agent-cost price --model o3 --input 1000 --output 1000 --at 2025-05-01
  agent-cost price --model claude-sonnet-4-5 --input 20000 --output 600 --server-tool web_search=2`;

function parseDate(text: string): Date {
	// Date-only strings are UTC midnights (as the price data's start dates are).
	if (!/^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
		throw new UsageError(`--at must be an ISO date like 2025-06-10 or 2025-06-10T12:00:00Z, got ${JSON.stringify(text)}`);
	}
	const date = new Date(text);
	if (Number.isNaN(date.getTime())) throw new UsageError(`--at is not a valid date: ${JSON.stringify(text)}`);
	return date;
}

function readUsage(args: ParsedCliArgs): Usage {
	const input = optionalCount(args, 'input');
	const output = optionalCount(args, 'output');
	if (input === undefined) throw new UsageError('missing required option --input (TOTAL input tokens, cache included)');
	if (output === undefined) throw new UsageError('missing required option --output (output tokens, reasoning included)');
	const cacheRead = optionalCount(args, 'cache-read') ?? 0;
	const cacheWrite5m = optionalCount(args, 'cache-write') ?? 0;
	const cacheWrite1h = optionalCount(args, 'cache-write-1h') ?? 0;
	const reasoning = optionalCount(args, 'reasoning') ?? 0;
	const cached = cacheRead + cacheWrite5m + cacheWrite1h;
	if (cached > input) {
		throw new UsageError(
			`cache tokens (${cached} = read ${cacheRead} + write ${cacheWrite5m} + 1h write ${cacheWrite1h}) exceed --input ${input}: ` +
				`--input is the TOTAL input with cache reads and writes included (for Anthropic usage: input_tokens + cache_read_input_tokens + cache_creation_input_tokens)`,
		);
	}
	if (reasoning > output) throw new UsageError(`--reasoning ${reasoning} exceeds --output ${output}: --output includes reasoning tokens`);
	return withServerTools({ input, cacheRead, cacheWrite5m, cacheWrite1h, output, reasoning }, readServerTools(args));
}

function readServerTools(args: ParsedCliArgs): Record<string, number> {
	const raw = args.values['server-tool'];
	const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
	const tools: Record<string, number> = {};
	for (const item of list) {
		const m = typeof item === 'string' ? /^([a-z][a-z0-9_]*)=(\d+)$/i.exec(item.trim()) : null;
		if (!m) throw new UsageError(`--server-tool must be NAME=USES, e.g. web_search=2, got ${JSON.stringify(item)}`);
		const tool = m[1].toLowerCase();
		tools[tool] = (tools[tool] ?? 0) + Number(m[2]);
	}
	return tools;
}

type Priced = Extract<CostResult, { kind: 'priced' }>;

const usesLabel = (n: number) => `${formatTokens(n)} use${n === 1 ? '' : 's'}`;

function humanTable(model: string, u: Usage, r: Priced): string {
	const rates: TokenPrices = r.rates ?? { input: 0 };
	const rows: [string, number, number | undefined, number][] = [['input (uncached)', uncachedInput(u), rates.input, r.breakdown.input]];
	const optional: [string, number, number | undefined, 'cacheRead' | 'cacheWrite5m' | 'cacheWrite1h'][] = [
		['cache read', u.cacheRead, rates.cacheRead, 'cacheRead'],
		['cache write 5m', u.cacheWrite5m, rates.cacheWrite5m, 'cacheWrite5m'],
		['cache write 1h', u.cacheWrite1h, rates.cacheWrite1h, 'cacheWrite1h'],
	];
	for (const [label, tokens, rate, key] of optional) if (tokens > 0) rows.push([label, tokens, rate, r.breakdown[key] ?? 0]);
	rows.push([u.reasoning > 0 ? `output (${formatTokens(u.reasoning)} reasoning)` : 'output', u.output, rates.output, r.breakdown.output]);
	const table: string[][] = [['', 'tokens', '$/Mtok', 'USD']];
	for (const [label, tokens, rate, usd] of rows) table.push([label, formatTokens(tokens), rate === undefined ? '—' : formatPerMtok(rate), formatUsd(usd)]);
	if (r.breakdown.request !== undefined) table.push(['per-request fee', '', '', formatUsd(r.breakdown.request)]);
	for (const [tool, usd] of Object.entries(r.breakdown.serverTools ?? {})) table.push([`${tool} fee`, usesLabel(u.serverTools?.[tool] ?? 0), '', formatUsd(usd)]);
	for (const fee of r.unpricedFees ?? []) table.push([`${fee.tool} fee`, usesLabel(fee.uses), '', 'no price']);
	table.push(['total', formatTokens(u.input + u.output), '', formatUsd(r.usd, { estimate: r.estimated === true })]);
	const widths = table[0].map((_, i) => Math.max(...table.map(row => row[i].length)));
	const lines = table.map(row =>
		row
			.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
			.join('   ')
			.trimEnd(),
	);
	const excluded = r.unpricedFees?.length ? ` + unpriced fees (${r.unpricedFees.map(f => f.tool).join(', ')})` : '';
	const out = [`${model} → ${r.priceId}  (${r.source})`, '', ...lines, '', `exact total: $${Number(r.usd.toPrecision(10))}${excluded}${r.estimated ? ' (estimated: see notes)' : ''}`];
	if (r.notes.length) out.push('', 'notes:', ...r.notes.map(n => `  - ${n}`));
	return out.join('\n');
}

export const priceCommand: CliCommand = {
	name: 'price',
	summary: 'price one call from its token usage (dataset + overrides; exit 2 if the model has no price)',
	usage,
	options: {
		model: { type: 'string' },
		input: { type: 'string' },
		output: { type: 'string' },
		'cache-read': { type: 'string' },
		'cache-write': { type: 'string' },
		'cache-write-1h': { type: 'string' },
		reasoning: { type: 'string' },
		'server-tool': { type: 'string', multiple: true },
		provider: { type: 'string' },
		batch: { type: 'boolean' },
		at: { type: 'string' },
		overrides: { type: 'string' },
		json: { type: 'boolean' },
	},
	async run(args, io) {
		if (args.positionals.length) throw new UsageError(`price: unexpected argument ${JSON.stringify(args.positionals[0])} (see agent-cost price --help)`);
		const model = requireString(args, 'model');
		const u = readUsage(args);
		const at = typeof args.values.at === 'string' ? parseDate(args.values.at) : undefined;
		const provider = typeof args.values.provider === 'string' && args.values.provider !== '' ? args.values.provider : undefined;
		const overrides = await loadCliPriceOverrides(args, io);
		const catalog = createPriceCatalog({ overrides });
		const result = catalog.cost(model, u, { batch: args.values.batch === true, ...(at && { at }), ...(provider && { provider }) });
		const json = args.values.json === true;
		if (result.kind === 'unpriced') {
			// A typo'd id names the closest known ones; a known id without a price says why.
			const unknown = unknownModelProblem(model, overrides, provider);
			const suggestions = unknown !== undefined ? suggestModelIds(model, knownModelIds(overrides)) : [];
			if (json)
				io.stdout(
					stringifyForOutput(
						{ model, error: unknown !== undefined ? 'unknownModel' : 'unpriced', reason: unknown ?? result.reason, hint: result.hint, ...(suggestions.length > 0 && { suggestions }) },
						2,
					) + '\n',
				);
			io.stderr(unknown !== undefined ? `agent-cost: ${unknown}\n` : `agent-cost: no price for ${JSON.stringify(model)}: ${result.reason}\n  ${result.hint}\n`);
			return 2;
		}
		if (json) {
			const out = {
				model,
				usd: result.usd,
				breakdown: result.breakdown,
				exact: result.estimated !== true,
				source: result.source,
				priceId: result.priceId,
				notes: result.notes,
				rates: result.rates,
				...(result.unpricedFees && { unpricedFees: result.unpricedFees }),
				usage: u,
				...(at && { at: at.toISOString() }),
				batch: args.values.batch === true,
			};
			io.stdout(stringifyForOutput(out, 2) + '\n');
		} else {
			io.stdout(humanTable(model, u, result) + '\n');
		}
		return 0;
	},
};
