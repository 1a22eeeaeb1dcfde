import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { stringifyForOutput } from '../../core/lib/outputNumbers';
import type { RecordedBudgetEvent } from '../../core/metrics/transcriptMetrics';
import { metricsFromTranscripts } from '../../core/metrics/transcriptMetrics';
import { createPriceCatalog } from '../../core/pricing/catalog';
import type { TokenCounter } from '../../core/ports/tokenCounter';
import type { Transcript } from '../../core/transcripts/model';
import { parseRecording, recordingFileSuffix } from '../../core/transcripts/recording';
import { loadCliPriceOverrides } from './overridesOption';
import { type CliCommand, type CliIo, type ParsedCliArgs, UsageError } from './cliCommand';
import { readRegularFile } from '../regularFile';

const usage = `Usage: agent-cost metrics <recording files or folders…> [--json]

The Prometheus metrics of recorded live calls — the same families the editor serves on
127.0.0.1 when agentCost.metrics.enabled is on: spend by model, tokens by direction (uncached
input, cache read, cache write, output), calls by outcome, call and run durations, budget
refusals. Each file is one run. Folders are searched for *${recordingFileSuffix} files.

The default output is the Prometheus text format, e.g. for node_exporter's textfile collector:
  agent-cost metrics ~/.agent-cost/recordings > /var/lib/node_exporter/agent_cost.prom

Options:
  --json    print {"files":[…],"metrics":[{"name","type","help","samples":[{"name","labels","value"}]}]}

Exit codes: 0 ok, 1 a file could not be read (the others are still counted), 2 bad arguments.`;

/** Recordings carry usage for every call; this only serves calls that do not (it marks them estimated). */
const heuristicCounter: TokenCounter = {
	countText: (_model, text) => ({ tokens: Math.ceil(text.length / 4), exact: false, method: 'heuristic-estimate' }),
	countChat: (_model, messages) => ({ tokens: messages.reduce((n, m) => n + 4 + Math.ceil(m.content.length / 4), 3), exact: false, method: 'heuristic-estimate' }),
};

async function expand(path: string): Promise<string[]> {
	const s = await stat(path);
	if (!s.isDirectory()) return [path];
	const out: string[] = [];
	for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
		const child = join(path, entry.name);
		if (entry.isDirectory()) out.push(...(await expand(child)));
		else if (entry.name.endsWith(recordingFileSuffix)) out.push(child);
	}
	return out;
}

/** Budget refusals are events, not calls: counted from the raw lines (the importer keeps only calls). */
function budgetEvents(text: string): RecordedBudgetEvent[] {
	const out: RecordedBudgetEvent[] = [];
	for (const line of text.split('\n')) {
		if (!line.includes('budgetRefused')) continue;
		try {
			const v = JSON.parse(line) as { type?: unknown; kind?: unknown; trigger?: unknown };
			if (v.type === 'event' && v.kind === 'budgetRefused') out.push({ kind: 'refused', scope: v.trigger === 'daily' ? 'day' : 'run' });
		} catch {
			// a torn line: the importer reports it
		}
	}
	return out;
}

export const metricsCommand: CliCommand = {
	name: 'metrics',
	summary: 'Prometheus metrics (spend, tokens, calls, durations) of recorded live calls',
	usage,
	options: { json: { type: 'boolean' } },
	async run(args: ParsedCliArgs, io: CliIo): Promise<number> {
		if (args.positionals.length === 0) throw new UsageError('metrics: give at least one recording file or folder');
		const transcripts: Transcript[] = [];
		const events: RecordedBudgetEvent[] = [];
		const files: { file: string; calls: number; warnings: string[] }[] = [];
		let failed = 0;
		for (const arg of args.positionals) {
			let paths: string[];
			try {
				paths = await expand(resolve(io.cwd, arg));
			} catch (e) {
				io.stderr(`agent-cost: ${arg}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message}\n`);
				failed++;
				continue;
			}
			if (paths.length === 0) io.stderr(`agent-cost: warning: ${arg}: no *${recordingFileSuffix} files in this folder\n`);
			for (const path of paths) {
				const shown = relative(io.cwd, path) || path;
				try {
					const text = await readRegularFile(path, 'utf8');
					const t = parseRecording(text, { file: shown, counter: heuristicCounter, retainContent: false });
					transcripts.push(t);
					events.push(...budgetEvents(text));
					files.push({ file: shown, calls: t.calls.length, warnings: t.warnings.map(w => w.message) });
					for (const w of t.warnings) io.stderr(`agent-cost: warning: ${shown}: ${w.message}\n`);
				} catch (e) {
					io.stderr(`agent-cost: ${shown}: ${e instanceof Error ? e.message : String(e)}\n`);
					failed++;
				}
			}
		}
		const prices = await loadCliPriceOverrides(args, io);
		const metrics = metricsFromTranscripts(transcripts, createPriceCatalog({ overrides: prices }), events);
		if (args.values.json) io.stdout(stringifyForOutput({ files, metrics: metrics.snapshot() }, 2) + '\n');
		else io.stdout(metrics.render());
		return failed > 0 ? 1 : 0;
	},
};
