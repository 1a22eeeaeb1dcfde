/**
 * Per-use fees of provider-run tools (web search, file search, code execution…). Tokens a tool reads
 * or returns are in the call's token counts already; these are the fees on top. Three outcomes per
 * tool a call used: a fee the price data (or an override) knows is billed; a tool the provider
 * documents as free of per-use charges is noted as such; anything else is an explicit unpriced fee
 * — the total excludes it and says so, never a silent $0. Fees are per use and never discounted by
 * batch or repriced by long-context tiers (both apply to token prices).
 */
import { formatTokens } from './format';
import type { UnpricedFee } from './types';
import type { ServerToolUses } from './usage';

/** `@pydantic/genai-prices` price keys (USD per 1,000 uses) by canonical tool name. */
const datasetToolFeeKeys: Readonly<Record<string, string>> = {
	web_search: 'web_searches_kcount',
	// The dataset's "storage searches" are OpenAI's file search tool calls ($2.50 per 1,000).
	file_search: 'storage_searches_kcount',
	code_execution: 'code_executions_kcount',
};

/**
 * Tools a provider documents as having no per-use fee, by dataset provider id, with the source
 * quoted in the note.
 */
const documentedFree: Readonly<Record<string, Readonly<Record<string, string>>>> = {
	anthropic: {
		web_fetch: 'Anthropic: "Web fetch usage has no additional charges beyond standard token costs" (platform.claude.com/docs/en/agents-and-tools/tool-use/web-fetch-tool)',
	},
};

/** Why `tool` costs nothing per use with `provider`, or undefined when no such documentation is known. */
export function documentedFreeTool(provider: string | undefined, tool: string): string | undefined {
	return provider !== undefined ? documentedFree[provider]?.[tool] : undefined;
}

/** Per-use fees (USD per use) from a dataset price record, or undefined when it has none. */
export function datasetToolFees(price: Readonly<Record<string, unknown>>): Readonly<Record<string, number>> | undefined {
	const fees: Record<string, number> = {};
	for (const [tool, key] of Object.entries(datasetToolFeeKeys)) {
		const perThousand = price[key];
		if (typeof perThousand === 'number' && Number.isFinite(perThousand) && perThousand >= 0) fees[tool] = perThousand / 1000;
	}
	return Object.keys(fees).length > 0 ? fees : undefined;
}

export interface PricedServerTools {
	/** USD by tool; empty when no fee applied. */
	readonly usd: Readonly<Record<string, number>>;
	readonly notes: readonly string[];
	readonly unpriced: readonly UnpricedFee[];
}

function usesText(uses: number, tool: string): string {
	return `${formatTokens(uses)} ${tool.replace(/_/g, ' ')} use${uses === 1 ? '' : 's'}`;
}

function usd(v: number): string {
	return `$${Number(v.toPrecision(6))}`;
}

/**
 * Prices the server-tool uses of one call with `fees` (USD per use); `free(tool)` says why a tool
 * without a fee costs nothing per use, when the provider documents that.
 */
export function priceServerTools(uses: ServerToolUses | undefined, fees: Readonly<Record<string, number>> | undefined, free: (tool: string) => string | undefined, label: string): PricedServerTools {
	const out: Record<string, number> = {};
	const notes: string[] = [];
	const unpriced: UnpricedFee[] = [];
	for (const [tool, count] of Object.entries(uses ?? {})) {
		if (!(count > 0)) continue;
		const fee = fees?.[tool];
		if (fee !== undefined) {
			out[tool] = count * fee;
			notes.push(`${usesText(count, tool)} × ${usd(fee * 1000)} per 1,000 = ${usd(count * fee)} (${label}'s per-use fee, on top of tokens)`);
			continue;
		}
		const why = free(tool);
		if (why !== undefined) {
			notes.push(`${usesText(count, tool)}: no per-use fee — ${why}`);
			continue;
		}
		unpriced.push({ tool, uses: count });
		notes.push(
			`unpriced fee: ${usesText(count, tool)} — the price data has no per-use price for ${tool} with ${label}, so the total covers tokens only (add "serverToolFees": {"${tool}": <USD per 1,000>} to a price override)`,
		);
	}
	return { usd: out, notes, unpriced };
}
