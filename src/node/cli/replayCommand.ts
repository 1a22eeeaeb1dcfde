import { basename, resolve } from 'node:path';
import type { EngineConfig } from '../../core/config/defaults';
import { defaultEngineConfig } from '../../core/config/parseEngineConfig';
import type { TokenCounter } from '../../core/ports/tokenCounter';
import { stringifyForOutput } from '../../core/lib/outputNumbers';
import { createPriceCatalog } from '../../core/pricing/catalog';
import { formatTokens, formatUsd } from '../../core/pricing/format';
import type { PriceCatalog } from '../../core/pricing/types';
import type { ReplayComparison } from '../../core/replay/comparison';
import { compareScenarios, comparisonCsv, comparisonJson, comparisonMarkdown, riskColumns } from '../../core/replay/comparison';
import { PreparedRun } from '../../core/replay/preparedRun';
import type { ReplayScenario } from '../../core/replay/scenario';
import { asRecordedScenario, parseScenario, productDefaultScenario, scenarioModelProblems } from '../../core/replay/scenario';
import { unknownModelProblem } from '../modelCheck';
import { tokenCounter } from '../../core/tokens/count';
import { TranscriptImportError } from '../../core/transcripts/importErrors';
import { readTranscriptFile } from '../transcriptFiles';
import { type CliCommand, type CliIo, optionalNumber, UsageError } from './cliCommand';
import { loadCliPriceOverrides } from './overridesOption';
import { readRegularFile } from '../regularFile';
import { probeOptions, probeRequest, probeText, probeUsage, runCliProbe } from './probeOption';

const usage = `Usage: agent-cost replay <transcript> [--settings S.json] [--compare S2.json …] [--json | --markdown | --csv]
                         [--model M] [--overrides FILE] [--max-cost USD] [--max-increase PCT]
                         [--probe N --probe-max-usd USD [--probe-record FILE]]

Replays a recorded agent run step by step under other settings — routing, compression, response
cache, provider prompt caching, budget and step limit — and compares each scenario's cost with the
run as recorded (the baseline). Steps stay on the recorded numbers until a scenario first differs;
after that the provider's prompt cache is simulated, so a compression that rewrites the history
pays for the cache hits it loses. Next to each scenario's cost it shows what the scenario risks:
steps moved to another model (and to which tier), observations the model no longer saw and how many
of those a later step needed, context tokens dropped, semantic response-cache hits, and where a
budget stopped the run.

A settings file is JSON; every field is optional and defaults to "as recorded" (or to the product
defaults with "extends": "productDefaults"):
  {"name": "cheap tier, summarize", "extends": "asRecorded",
   "routing": {"mode": "fixed" | "tiered" | "escalate" | "asRecorded", "model": "gpt-4o-mini",
               "escalation": {"toolErrors": 2, "repeatedCalls": 2, "stepsWithoutCheck": 15,
                              "contextRatio": 0.5, "deescalateAfter": 5}},
   "tiers": {"cheap": "gpt-4o-mini", "medium": "gpt-4o", "expensive": "claude-opus-4-6"},
   "compression": {"strategy": "none" | "truncate" | "window" | "summarize" | "observationMask",
                   "keepObservations": 10, "maskEverySteps": 5, "maxTokensBeforeCompression": 4000,
                   "tokensToKeepRecent": 1500, "triggerSteps": 10, "toolResponseMaxTokens": 2000, …},
   "responseCache": {"enabled": true, "ttlSeconds": 3600},
   "promptCache": {"mode": "simulate" | "off", "ttl": "5m" | "1h" | "asRecorded", "systemBreakpoint": true},
   "budget": {"enabled": true, "policy": "hard" | "soft" | "warn", "runUsd": 0.5, "warnThreshold": 0.8,
              "maxSteps": 20, "maxOutputTokens": 2048},
   "assumedStepGapSeconds": 10}
Without --settings, the product defaults are replayed.

Options:
  --settings FILE      the scenario to replay (repeatable through --compare)
  --compare FILE       another scenario to compare (repeatable)
  --json               {"baseline":{"costUsd","inputTokens","outputTokens","steps",…},
                        "scenarios":[{"name","costUsd","inputTokens","outputTokens","steps","stoppedAtStep",
                        "risk":{"modelChangedSteps","modelChangedTo","observationsElided","elidedReferencedLater",
                                "contextTokensDropped","semanticCacheHits","budgetStopStep"},
                        "perStep":[{…,"risk":{…}}]}], "probe":{…} with --probe}
  --markdown, --csv    the comparison as a Markdown report or one CSV row per step
  --model M            model for files that record none (tau-bench, SWE-agent demos, aider)
  --overrides FILE     price overrides (as the agentCost.pricing.overrides setting)
  --max-cost USD       exit 3 when any scenario costs more than this (for CI)
  --max-increase PCT   exit 3 when any scenario costs more than the baseline + PCT %

${probeUsage}

Exit codes: 0 ok, 1 the transcript could not be read, 2 bad arguments or settings, 3 a cost check failed.

Example (fail a CI job when the agent's cost regresses):
  agent-cost replay run.traj.json --settings ci/agent.json --max-cost 0.50`;

const engineCounter: TokenCounter = tokenCounter;

function strings(v: unknown): string[] {
	if (v === undefined) return [];
	return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

/** Reads one settings file: `extends` picks the base, every other problem is a usage error naming the file. */
async function readSettings(path: string, io: CliIo, config: EngineConfig): Promise<ReplayScenario> {
	let raw: unknown;
	try {
		raw = JSON.parse(await readRegularFile(resolve(io.cwd, path), 'utf8'));
	} catch (e) {
		const code = (e as NodeJS.ErrnoException).code;
		throw new UsageError(code === 'ENOENT' ? `settings file not found: ${path}` : `settings file ${path}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
	}
	let base = asRecordedScenario(config);
	if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && 'extends' in raw) {
		const { extends: ext, ...rest } = raw as Record<string, unknown>;
		if (ext === 'productDefaults') base = productDefaultScenario(config);
		else if (ext !== 'asRecorded') throw new UsageError(`settings file ${path}: "extends" must be "asRecorded" or "productDefaults", got ${JSON.stringify(ext)}`);
		raw = rest;
	}
	const { scenario, problems } = parseScenario(raw, { ...base, name: basename(path).replace(/\.json$/i, '') });
	// A typo in a CI cost check must not silently change what is measured.
	if (problems.length > 0) throw new UsageError(`settings file ${path}: ${problems.join('; ')}`);
	return scenario;
}

function humanComparison(c: ReplayComparison): string {
	const rows = [['scenario', 'cost', 'vs baseline', 'input', 'cache read', 'output', 'steps', 'stopped']];
	const base = c.baseline.costUsd;
	const delta = (a: number | null) => (a === null || base === null ? 'n/a' : base > 0 ? `${a >= base ? '+' : ''}${(((a - base) / base) * 100).toFixed(1)}%` : '—');
	// An unknown cost is "no price", never $0; the file's own total is shown next to it when it has one.
	const money = (usd: number | null, estimate: boolean) => (usd === null ? 'no price' : formatUsd(usd, { estimate }));
	rows.push([
		`baseline (${c.baseline.kind})`,
		`${money(base, c.baseline.kind === 'counted')}${base === null && c.baseline.recordedCostUsd !== undefined ? ` (file: ${formatUsd(c.baseline.recordedCostUsd)})` : ''}`,
		'—',
		formatTokens(c.baseline.inputTokens),
		formatTokens(c.baseline.cacheReadTokens),
		formatTokens(c.baseline.outputTokens),
		String(c.baseline.steps),
		'—',
	]);
	for (const s of c.scenarios) {
		rows.push([
			s.name,
			money(s.costUsd, s.estimated),
			delta(s.costUsd),
			formatTokens(s.inputTokens),
			formatTokens(s.cacheReadTokens),
			formatTokens(s.outputTokens),
			String(s.steps),
			s.stoppedAtStep === null ? '—' : `step ${s.stoppedAtStep}`,
		]);
	}
	const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)));
	const out = rows.map(r => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
	out.unshift(`${c.transcript.file ?? 'transcript'} — ${c.transcript.format}, ${c.transcript.calls} calls, ${c.transcript.models.join(', ') || 'model unknown'}`, '');
	// What each scenario risks, next to what it saves (never one score).
	const risk = [['scenario', ...riskColumns.map(r => r.label.toLowerCase())], ...c.scenarios.map(s => [s.name, ...riskColumns.map(r => r.value(s.risk))])];
	const riskWidths = risk[0].map((_, i) => Math.max(...risk.map(r => r[i].length)));
	out.push('', ...risk.map(r => r.map((cell, i) => (i === 0 ? cell.padEnd(riskWidths[i]) : cell.padStart(riskWidths[i]))).join('  ')));
	if (c.baseline.note) out.push('', `baseline: ${c.baseline.note}`);
	for (const s of c.scenarios) {
		const lines = [...(s.stopReason ? [`stopped at step ${s.stoppedAtStep}: ${s.stopReason}`] : []), ...s.notes];
		if (s.unpricedSteps) lines.push(`+ ${s.unpricedSteps} steps have no price and are not in the cost`);
		if (lines.length) out.push('', `${s.name}:`, ...lines.map(l => `  - ${l}`));
	}
	out.push('', '≈ marks estimates (simulated prompt cache, estimated output of another model, ≈ token counts).');
	return out.join('\n');
}

/** `agent-cost replay`, over an injected counter and catalog (tests pass their own). */
function createReplayCommand(deps: { counter: TokenCounter; catalog?: PriceCatalog; config?: EngineConfig } = { counter: engineCounter }): CliCommand {
	return {
		name: 'replay',
		summary: 'replay a recorded agent run under other routing / compression / caching / budget settings and compare costs',
		usage,
		options: {
			settings: { type: 'string' },
			compare: { type: 'string', multiple: true },
			json: { type: 'boolean' },
			markdown: { type: 'boolean' },
			csv: { type: 'boolean' },
			model: { type: 'string' },
			overrides: { type: 'string' },
			'max-cost': { type: 'string' },
			'max-increase': { type: 'string' },
			...probeOptions,
		},
		async run(args, io) {
			if (args.positionals.length !== 1) throw new UsageError('replay: give exactly one transcript file (see agent-cost replay --help)');
			const formats = ['json', 'markdown', 'csv'].filter(f => args.values[f] === true);
			if (formats.length > 1) throw new UsageError(`replay: choose one of --json, --markdown, --csv (got ${formats.map(f => `--${f}`).join(' ')})`);
			const maxCost = optionalNumber(args, 'max-cost');
			const maxIncrease = optionalNumber(args, 'max-increase');
			const probe = probeRequest(args, io, new Date());
			const config = deps.config ?? defaultEngineConfig();
			const files = [...strings(args.values.settings), ...strings(args.values.compare)];
			const scenarios = files.length ? await Promise.all(files.map(f => readSettings(f, io, config))) : [productDefaultScenario(config)];
			const overrides = await loadCliPriceOverrides(args, io);
			const catalog = deps.catalog ?? createPriceCatalog({ overrides });
			// A typo'd model is an error naming the closest known ids, not steps priced at nothing.
			const typos = scenarios.flatMap(s => scenarioModelProblems(s, id => unknownModelProblem(id, overrides)));
			if (typos.length) throw new UsageError(typos.join('; '));
			const model = typeof args.values.model === 'string' && args.values.model.trim() ? args.values.model.trim() : undefined;
			const file = args.positionals[0];
			let transcript;
			try {
				transcript = await readTranscriptFile(resolve(io.cwd, file), { counter: deps.counter, displayName: file, ...(model && { model }) });
			} catch (e) {
				if (!TranscriptImportError.is(e)) throw e;
				io.stderr(`agent-cost: ${e.message}\n`);
				return 1;
			}
			if (!transcript.contentRetained || transcript.calls.length === 0) {
				io.stderr(`agent-cost: ${file}: no LLM calls to replay\n`);
				return 1;
			}
			const run = new PreparedRun(transcript, { counter: deps.counter, catalog });
			const c = await compareScenarios(run, scenarios);
			const probed = probe ? await runCliProbe(probe, run, scenarios[0]!, { io, counter: deps.counter, catalog, config }) : undefined;
			if (args.values.json === true) io.stdout(stringifyForOutput({ ...(comparisonJson(c) as object), ...(probed && { probe: probed }) }, 2) + '\n');
			else if (args.values.markdown === true) io.stdout(comparisonMarkdown(c));
			else if (args.values.csv === true) io.stdout(comparisonCsv(c));
			else io.stdout(humanComparison(c) + '\n');
			if (probed && args.values.json !== true) (args.values.markdown === true || args.values.csv === true ? io.stderr : io.stdout)(probeText(probed) + '\n');

			const failures: string[] = [];
			for (const s of c.scenarios) {
				const cost = s.costUsd;
				const baseCost = c.baseline.costUsd;
				if (maxCost !== undefined && cost !== null && cost > maxCost) failures.push(`${s.name} costs ${formatUsd(cost)}, over --max-cost ${formatUsd(maxCost)}`);
				if (maxIncrease !== undefined && cost !== null && baseCost !== null && cost > baseCost * (1 + maxIncrease / 100)) {
					failures.push(`${s.name} costs ${formatUsd(cost)}, more than ${maxIncrease}% over the baseline ${formatUsd(baseCost)}`);
				}
				if ((maxCost !== undefined || maxIncrease !== undefined) && cost === null) failures.push(`${s.name} has no price (${s.unpriced ?? 'unpriced steps'}), so the cost check cannot be trusted`);
				if (maxIncrease !== undefined && baseCost === null) failures.push(`the baseline has no price (${c.baseline.unpriced ?? 'unpriced calls'}), so --max-increase cannot be checked`);
				// A run the budget or step limit stopped looks cheap only because it did not finish.
				if ((maxCost !== undefined || maxIncrease !== undefined) && s.stoppedAtStep !== null)
					failures.push(`${s.name} was stopped at step ${s.stoppedAtStep} of ${c.baseline.steps} (${s.stopReason ?? 'budget'}): its cost covers an unfinished run`);
			}
			for (const f of failures) io.stderr(`agent-cost: cost check failed: ${f}\n`);
			return failures.length ? 3 : 0;
		},
	};
}

export const replayCommand: CliCommand = createReplayCommand();
