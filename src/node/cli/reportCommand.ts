import type { TokenCounter } from '../../core/ports/tokenCounter';
import { stringifyForOutput } from '../../core/lib/outputNumbers';
import { createPriceCatalog } from '../../core/pricing/catalog';
import { formatTokens, formatUsd } from '../../core/pricing/format';
import type { PriceCatalog } from '../../core/pricing/types';
import { tokenCounter } from '../../core/tokens/count';
import { accountTranscript, type TranscriptAccount } from '../../core/transcripts/accounting';
import { TranscriptImportError } from '../../core/transcripts/importErrors';
import type { Transcript } from '../../core/transcripts/model';
import { reportEntry, type TranscriptReportEntry } from '../../core/transcripts/reportEntry';
import { workspacePriceOverridesRelativePath } from '../priceOverridesFile';
import { loadCliPriceOverrides } from './overridesOption';
import { findTranscriptFiles, readTranscriptFile } from '../transcriptFiles';
import { type CliCommand, UsageError } from './cliCommand';
import { table } from './textTable';

const usage = `Usage: agent-cost report <files or folders…> [--json] [--calls] [--model M]

Imports agent transcripts and reports, per file, the LLM calls, the token usage (normalized: input
is the TOTAL prompt with cache reads and writes included; output includes reasoning), the cost the
file recorded and the cost computed from usage × prices. Differences are listed as warnings.

Formats (detected from the content): Claude Code session JSONL, HTTP/VCR recordings of Anthropic
Messages / OpenAI Chat / OpenAI Responses / Gemini calls, mini-SWE-agent .traj.json, SWE-agent
.traj, OpenHands trajectories and evaluation records, Inspect AI .json logs, OpenAI chat arrays
(tau-bench), aider chat histories, Agent Cost recordings (*.agent-cost.jsonl). Folders are searched
recursively for transcript-looking files.

≈ marks numbers that are estimates: tokens counted by the engine (formats without usage),
rounded (aider's "2.4k"), or Claude Code's streaming placeholder outputs corrected from the content.
A model without a price shows "no price" — never $0.

Options:
  --json            print [{"file","format","calls","models","usage":{"input","cacheRead",
                    "cacheWrite","output","reasoning"},"recordedCostUsd","computedCostUsd",
                    "warnings",…}]; a file that cannot be imported appears as {"file","error"}
  --calls           also list every call (model, usage source, tokens, recorded and computed cost)
  --model M         model to assume when a file records none (tau-bench, SWE-agent demos, aider
                    website transcripts); a model recorded in the file always wins
  --overrides FILE  price overrides JSON (as the agentCost.pricing.overrides setting); wins over
                    ${workspacePriceOverridesRelativePath} in the current folder, which is read when present

Exit codes: 0 every file reported, 1 a file could not be read or imported (the others are still
reported), 2 bad arguments.

Examples:
  agent-cost report ~/.claude/projects/my-project
  agent-cost report run.traj.json --json | jq '.[0].computedCostUsd'`;

/** The engine's counter (loads tokenizer ranks on first use). */
const engineCounter: TokenCounter = tokenCounter;

type Row = { kind: 'ok'; entry: TranscriptReportEntry; transcript: Transcript; account: TranscriptAccount } | { kind: 'error'; file: string; error: TranscriptImportError };

function cost(v: number | null, approximate: boolean, complete = true): string {
	if (v === null) return 'no price';
	return `${formatUsd(v, { estimate: approximate })}${complete ? '' : '+'}`;
}

function tokens(n: number, approximate: boolean): string {
	return `${approximate ? '≈' : ''}${formatTokens(n)}`;
}

function humanReport(rows: readonly Row[], withCalls: boolean): string {
	const ok = rows.filter((r): r is Extract<Row, { kind: 'ok' }> => r.kind === 'ok');
	const out: string[] = [];
	if (ok.length > 0) {
		const header = ['file', 'format', 'calls', 'input', 'cache read', 'cache write', 'output', 'recorded', 'computed'];
		const body = ok.map(({ entry: e }) => {
			const approx = e.approximate && Object.keys(e.usageSources).some(s => s !== 'recorded');
			const outApprox = approx || (e.usageSources['placeholder-output'] ?? 0) > 0;
			const inApprox = Object.keys(e.usageSources).some(s => s === 'counted' || s === 'rounded');
			return [
				e.file,
				e.dialects ? `${e.format} (${e.dialects.join('+')})` : e.format,
				String(e.calls),
				tokens(e.usage.input, inApprox),
				tokens(e.usage.cacheRead, inApprox),
				tokens(e.usage.cacheWrite, inApprox),
				tokens(e.usage.output, outApprox),
				e.recordedCostUsd === null ? '—' : formatUsd(e.recordedCostUsd),
				cost(e.computedCostUsd, e.approximate, e.computedCostComplete),
			];
		});
		out.push(...table([header, ...body], new Set([2, 3, 4, 5, 6, 7, 8])));
		if (ok.some(r => !r.entry.computedCostComplete)) out.push('', '+ some calls have no price: the computed cost covers the priced calls only (see warnings)');
	}
	for (const r of ok) {
		const e = r.entry;
		if (withCalls) {
			out.push('', `${e.file} — ${e.models.join(', ') || 'no model recorded'}`);
			const header = ['#', 'model', 'usage', 'input', 'cache read', 'cache write', 'output', 'recorded', 'computed'];
			const body = r.transcript.calls.map((c, i) => {
				const a = r.account.calls[i];
				const approx = c.usageSource !== 'recorded';
				return [
					String(c.index + 1),
					c.model || '—',
					c.usageSource,
					tokens(c.usage.input, c.usageSource === 'counted' || c.usageSource === 'rounded'),
					formatTokens(c.usage.cacheRead),
					formatTokens(c.usage.cacheWrite5m + c.usage.cacheWrite1h),
					tokens(c.usage.output, approx),
					c.recordedCostUsd === undefined ? '—' : formatUsd(c.recordedCostUsd),
					a.computed.kind === 'priced' ? formatUsd(a.computed.usd, { estimate: approx || a.computed.estimated }) : 'no price',
				];
			});
			out.push(...table([header, ...body], new Set([0, 3, 4, 5, 6, 7, 8])).map(l => `  ${l}`));
		}
		const tools = Object.entries(e.usage.serverTools ?? {});
		if (e.warnings.length > 0 || tools.length > 0) {
			out.push('', `${e.file}:`);
			if (tools.length > 0)
				out.push(`  - server tools billed per use: ${tools.map(([tool, uses]) => `${tool} ×${formatTokens(uses)}`).join(', ')} (fees included in "computed" where the price data knows them)`);
			for (const w of e.warnings) out.push(`  - ${w.message}`);
		}
	}
	const errors = rows.filter((r): r is Extract<Row, { kind: 'error' }> => r.kind === 'error');
	if (errors.length > 0) {
		out.push('', 'Not reported:');
		for (const r of errors) out.push(`  - ${r.error.message}`);
	}
	return out.join('\n');
}

/** `agent-cost report`, over an injected counter and catalog (tests pass their own). */
function createReportCommand(deps: { counter: TokenCounter; catalog?: PriceCatalog } = { counter: engineCounter }): CliCommand {
	return {
		name: 'report',
		summary: 'report calls, token usage and recorded vs computed cost of agent transcripts (9 formats)',
		usage,
		options: {
			json: { type: 'boolean' },
			calls: { type: 'boolean' },
			model: { type: 'string' },
			overrides: { type: 'string' },
		},
		async run(args, io) {
			if (args.positionals.length === 0) throw new UsageError('report: give at least one transcript file or folder (see agent-cost report --help)');
			const model = typeof args.values.model === 'string' && args.values.model.trim() !== '' ? args.values.model.trim() : undefined;
			const catalog = deps.catalog ?? createPriceCatalog({ overrides: await loadCliPriceOverrides(args, io) });
			const found = await findTranscriptFiles(args.positionals, io.cwd);
			const rows: Row[] = [];
			for (const entry of found.entries) {
				if (entry.kind === 'problem') {
					rows.push({ kind: 'error', file: entry.error.file ?? '', error: entry.error });
					continue;
				}
				const f = entry.file;
				try {
					// The report needs numbers only: dropping contents keeps memory bounded on huge files.
					const transcript = await readTranscriptFile(f.path, { counter: deps.counter, displayName: f.display, retainContent: false, ...(model !== undefined && { model }) });
					const account = accountTranscript(transcript, catalog);
					rows.push({ kind: 'ok', entry: reportEntry(transcript, account, f.display), transcript, account });
				} catch (e) {
					if (!TranscriptImportError.is(e)) throw e;
					rows.push({ kind: 'error', file: f.display, error: e });
				}
			}
			const errors = rows.filter(r => r.kind === 'error');
			if (rows.length === 0) {
				io.stderr(`agent-cost: no transcript files found in ${args.positionals.join(', ')}\n`);
				return 1;
			}
			if (args.values.json === true) {
				const json = rows.map(r => (r.kind === 'ok' ? (args.values.calls === true ? { ...r.entry, callDetails: callDetails(r) } : r.entry) : { file: r.file, error: r.error.toJSON() }));
				io.stdout(stringifyForOutput(json, 2) + '\n');
			} else {
				io.stdout(humanReport(rows, args.values.calls === true) + '\n');
			}
			for (const r of errors) if (r.kind === 'error') io.stderr(`agent-cost: ${r.error.message}\n`);
			// A call whose token counts are not counts failed to be accounted: its cost is unknown.
			const invalid = rows.filter(r => r.kind === 'ok' && r.transcript.calls.some(c => c.usageInvalid));
			for (const r of invalid)
				if (r.kind === 'ok') io.stderr(`agent-cost: ${r.entry.file}: ${r.transcript.calls.filter(c => c.usageInvalid).length} call(s) with token counts that are not counts; their cost is unknown\n`);
			return errors.length > 0 || invalid.length > 0 ? 1 : 0;
		},
	};
}

function callDetails(r: Extract<Row, { kind: 'ok' }>) {
	return r.transcript.calls.map((c, i) => {
		const a = r.account.calls[i];
		return {
			index: c.index,
			...(c.id !== undefined && { id: c.id }),
			model: c.model,
			usageSource: c.usageSource,
			usage: c.usage,
			...(c.recordedCostUsd !== undefined && { recordedCostUsd: c.recordedCostUsd }),
			computedCostUsd: a.computed.kind === 'priced' ? a.computed.usd : null,
			...(c.startedAt !== undefined && { startedAt: c.startedAt }),
		};
	});
}

export const reportCommand: CliCommand = createReportCommand();
