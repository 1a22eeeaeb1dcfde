import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TokenCounter } from '../../core/ports/tokenCounter';
import { createPriceCatalog } from '../../core/pricing/catalog';
import { formatTokens, formatUsd } from '../../core/pricing/format';
import type { PriceCatalog } from '../../core/pricing/types';
import { type AgentId, agentIds, agentLabels, isAgentId } from '../../core/sessions/agents';
import { groupCalls, type SessionGroupBy, sessionGroupings, type SessionsGroup, type SessionsReport, unpricedModels } from '../../core/sessions/sessionReport';
import { checkTimeZone, isCalendarDate } from '../../core/sessions/timeBuckets';
import { InputError } from '../../core/lib/errors';
import { agentRoots, defaultAgentFolders } from '../sessions/agentDirs';
import { collectAgentSessions } from '../sessions/agentSessions';
import { placeholderCounter } from '../sessions/placeholderCounter';
import { type CliCommand, type ParsedCliArgs, UsageError } from './cliCommand';
import { loadCliPriceOverrides } from './overridesOption';
import { table } from './textTable';

const usage = `Usage: agent-cost sessions [--group session|day|week|month|project] [--agent claude|codex|gemini|pi|all]
                           [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--tz TZ] [--json]
                           [--claude-dir DIR]… [--codex-dir DIR]… [--gemini-dir DIR]… [--pi-dir DIR]…

Finds the session logs your coding agents wrote — Claude Code, Codex CLI, Gemini CLI and pi — and
totals their API calls: tokens and cost per session, day, week, month or project. Each call is
counted ONCE however many files repeat it (resumed and forked sessions copy earlier calls into the
new file; subagent calls are billed to their parent session). Logs are only read, never changed.

Where it looks (the agents' own defaults and variables):
  Claude Code  $CLAUDE_CONFIG_DIR (comma-separated list), else ~/.config/claude and ~/.claude
  Codex CLI    $CODEX_HOME, else ~/.codex  (sessions/ and archived_sessions/)
  Gemini CLI   $GEMINI_CLI_HOME/.gemini, else ~/.gemini  (tmp/<project>/chats/)
  pi           $PI_CODING_AGENT_DIR/sessions, else ~/.pi/agent/sessions
A --<agent>-dir flag replaces that agent's places (repeat it for several folders).

Usage is normalized as in \`report\`: input is the WHOLE prompt, cache reads and writes included;
output includes reasoning. Claude Code writes streaming placeholders (1–3 tokens) as the output
of most calls; those are corrected from the response's text (≈, counted like \`report\` does) and
the recorded number is kept as "outputAsRecorded". A model without a price is counted as
unpriced — never as $0.

Options:
  --group G        session (default), day, week, month or project
  --agent A        claude, codex, gemini, pi or all (default)
  --since / --until  local dates (inclusive) in the --tz time zone
  --tz TZ          IANA time zone for dates (default: this machine's, $TZ)
  --json           {"groups":[{"key","agent","sessions","calls","models","usage":{"input","cacheRead",
                   "cacheWrite","output","reasoning"},"computedCostUsd","approximate",…}],
                   "totals":{"sessions","calls","usage":{…},"computedCostUsd",…},"warnings":[…]}
  --recorded-output  keep Claude Code's output counts as recorded (placeholders included, as ccusage
                   shows them) instead of counting the responses' text; no tokenizer is loaded
  --overrides FILE price overrides JSON (as in report)

A file that cannot be read, or is being written right now, is reported as a warning; its complete
lines still count. Exit codes: 0 reported (warnings included), 2 bad arguments.

Examples:
  agent-cost sessions --group day --since 2026-06-01
  agent-cost sessions --agent codex --group month --json | jq '.totals.computedCostUsd'`;

function strings(v: ParsedCliArgs['values'][string]): string[] {
	if (v === undefined) return [];
	return (Array.isArray(v) ? v : [v]).filter((s): s is string => typeof s === 'string');
}

function stringOption(args: ParsedCliArgs, name: string): string | undefined {
	const v = args.values[name];
	return typeof v === 'string' ? v : undefined;
}

function dateOption(args: ParsedCliArgs, name: string): string | undefined {
	const v = stringOption(args, name);
	if (v === undefined) return undefined;
	if (!isCalendarDate(v)) throw new UsageError(`--${name} must be a date YYYY-MM-DD, got ${JSON.stringify(v)}`);
	return v;
}

function folders(args: ParsedCliArgs, name: string, cwd: string): string[] {
	const dirs = strings(args.values[name]);
	for (const dir of dirs) {
		let ok = false;
		try {
			ok = statSync(resolve(cwd, dir)).isDirectory();
		} catch {
			ok = false;
		}
		if (!ok) throw new UsageError(`--${name}: no such folder: ${dir}`);
	}
	return dirs;
}

function tokens(n: number, approximate: boolean): string {
	return `${approximate ? '≈' : ''}${formatTokens(n)}`;
}

function cost(g: Pick<SessionsGroup, 'computedCostUsd' | 'approximate' | 'unpricedCalls'>): string {
	if (g.computedCostUsd === null) return 'no price';
	return `${formatUsd(g.computedCostUsd, { estimate: g.approximate })}${g.unpricedCalls > 0 ? '+' : ''}`;
}

function humanReport(report: SessionsReport, group: SessionGroupBy, counted: boolean): string {
	if (report.groups.length === 0) return 'No agent calls in the selected range.';
	const first = group === 'session' ? 'session' : group;
	const header = [first, 'agent', 'sessions', 'calls', 'input', 'cache read', 'cache write', 'output', 'cost', 'models'];
	const row = (key: string, agent: string, g: Omit<SessionsGroup, 'key' | 'agent' | 'models'> & { models: readonly string[] }) => [
		key,
		agent,
		String(g.sessions),
		String(g.calls),
		formatTokens(g.usage.input),
		formatTokens(g.usage.cacheRead),
		formatTokens(g.usage.cacheWrite),
		tokens(g.usage.output, g.placeholderCalls > 0),
		cost(g),
		g.models.join(', '),
	];
	const body = report.groups.map(g => row(group === 'session' && g.project ? `${g.key.slice(0, 8)} ${g.project}` : g.key, g.agent, g));
	const t = report.totals;
	const lines = table([header, ...body, row('total', '', { ...t, models: [] })], new Set([2, 3, 4, 5, 6, 7, 8]));
	const notes: string[] = [];
	if (t.placeholderCalls > 0) {
		notes.push(
			counted
				? `≈ output: ${t.placeholderCalls} Claude Code call(s) recorded streaming placeholders as their output (${formatTokens(t.outputAsRecorded)} tokens in total as recorded); counted from the responses' text instead: ${formatTokens(t.usage.output)}.`
				: `≈ output: ${t.placeholderCalls} Claude Code call(s) recorded streaming placeholders as their output, kept as recorded (--recorded-output): the real output is larger.`,
		);
	}
	if (t.unpricedCalls > 0) notes.push(`+ ${t.unpricedCalls} call(s) have no price: costs cover the priced calls only (see warnings).`);
	return [...lines, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

/** The tokenizer bundle next to this one (dist/tokenCounter.js), loaded when a placeholder needs counting. */
function loadTokenizerBundle(): TokenCounter {
	// A runtime path, not an import: the sessions bundle must not contain (and parse) the rank tables.

	return (require(join(__dirname, 'tokenCounter.js')) as { tokenCounter: TokenCounter }).tokenCounter;
}

/** `agent-cost sessions`, over an injected catalog and counter (tests pass their own). */
export function createSessionsCommand(deps: { catalog?: PriceCatalog; count?: (model: string, text: string) => number } = {}): CliCommand {
	return {
		name: 'sessions',
		summary: 'find and total the sessions of Claude Code, Codex CLI, Gemini CLI and pi (each call once)',
		usage,
		options: {
			group: { type: 'string' },
			agent: { type: 'string' },
			since: { type: 'string' },
			until: { type: 'string' },
			tz: { type: 'string' },
			json: { type: 'boolean' },
			'recorded-output': { type: 'boolean' },
			'claude-dir': { type: 'string', multiple: true },
			'codex-dir': { type: 'string', multiple: true },
			'gemini-dir': { type: 'string', multiple: true },
			'pi-dir': { type: 'string', multiple: true },
			overrides: { type: 'string' },
		},
		async run(args, io) {
			if (args.positionals.length > 0)
				throw new UsageError(`sessions: unexpected argument ${JSON.stringify(args.positionals[0])} (folders are given with --claude-dir, --codex-dir, --gemini-dir, --pi-dir)`);
			const group = (stringOption(args, 'group') ?? 'session') as SessionGroupBy;
			if (!sessionGroupings.includes(group)) throw new UsageError(`--group must be one of ${sessionGroupings.join(', ')}; got ${JSON.stringify(group)}`);
			const agent = stringOption(args, 'agent') ?? 'all';
			if (agent !== 'all' && !isAgentId(agent)) throw new UsageError(`--agent must be one of ${agentIds.join(', ')} or all; got ${JSON.stringify(agent)}`);
			const since = dateOption(args, 'since');
			const until = dateOption(args, 'until');
			if (since !== undefined && until !== undefined && since > until) throw new UsageError(`--since ${since} is after --until ${until}`);
			let timeZone: string;
			try {
				timeZone = checkTimeZone(stringOption(args, 'tz') ?? io.env.TZ ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
			} catch (e) {
				throw new UsageError(`--tz: ${InputError.is(e) ? e.message : String(e)}`);
			}
			const only: Partial<Record<AgentId, string[]>> = {
				claude: folders(args, 'claude-dir', io.cwd),
				codex: folders(args, 'codex-dir', io.cwd),
				gemini: folders(args, 'gemini-dir', io.cwd),
				pi: folders(args, 'pi-dir', io.cwd),
			};
			const roots = agentRoots({ env: io.env, only, cwd: io.cwd }).filter(r => agent === 'all' || r.agent === agent);
			const catalog = deps.catalog ?? createPriceCatalog({ overrides: await loadCliPriceOverrides(args, io) });
			const count = args.values['recorded-output'] === true ? undefined : (deps.count ?? placeholderCounter(loadTokenizerBundle));
			const collected = await collectAgentSessions({ roots, catalog, timeZone, ...(count && { count }) });
			const agents = agent === 'all' ? undefined : new Set<AgentId>([agent as AgentId]);
			const report = groupCalls(collected.priced, { group, ...(since !== undefined && { since }), ...(until !== undefined && { until }), ...(agents && { agents }) });
			const warnings = [
				...collected.problems,
				...collected.files.flatMap(f => f.warnings.map(w => `${f.path}: ${w}`)),
				...unpricedModels(collected.priced).map(u => `${u.calls} call(s) of ${u.model} have no price: ${u.reason}. Add a price override (--overrides FILE or .agent-cost/prices.json).`),
			];
			if (roots.length === 0) {
				const where = (agent === 'all' ? agentIds : [agent as AgentId]).map(a => `${agentLabels[a]}: ${(only[a]?.length ? only[a] : defaultAgentFolders(a, io.env)).join(', ')}`);
				warnings.push(`no agent session folders found (looked in ${where.join('; ')})`);
			}
			io.stdout(args.values.json === true ? JSON.stringify({ ...report, timeZone, warnings }, null, 2) + '\n' : humanReport(report, group, count !== undefined) + '\n');
			for (const w of warnings) io.stderr(`agent-cost: warning: ${w}\n`);
			return 0;
		},
	};
}

export const sessionsCommand: CliCommand = createSessionsCommand();
