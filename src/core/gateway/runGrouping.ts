/**
 * Which run a call belongs to. A run is what a budget's run limit and step limit count, what one
 * recording file holds and what the status bar shows live. In order of precedence:
 *
 * 1. a run named in the base URL (`…/run/<name>/…`): the user said so, even across agent sessions
 *    (a nightly job of several sessions is one budget);
 * 2. the agent's own session id: Claude Code's `x-claude-code-session-id`, Codex's `session-id`
 *    (also inside `x-codex-turn-metadata`), or `x-agent-cost-run` from any client;
 * 3. otherwise a run per workspace and client (user agent) that ends after a gap of inactivity.
 */
import type { Clock } from '../ports/clock';
import { rec, str } from '../transcripts/jsonAccess';
import type { HeaderLookup } from './gatewayRoutes';

export interface RunHint {
	/** The workspace the call is recorded in (its key, '' for the gateway's default folder). */
	readonly workspace: string;
	readonly pathRun?: string;
	readonly session?: string;
	/** The client, from its user agent (see {@link agentOf}). */
	readonly agent: AgentInfo;
}

export interface AgentInfo {
	/** A short stable family name: `claude-code`, `codex`, `openai-sdk`, `anthropic-sdk`, or `agent`. */
	readonly family: string;
	/** The user agent as sent (for the recording's run header), at most 200 characters. */
	readonly userAgent: string;
}

export interface RunAssignment {
	readonly runId: string;
	/** For people: `nightly`, `claude-code 6a2a8db1`, `codex 14:02`. */
	readonly label: string;
	readonly source: 'path' | 'session' | 'idle';
	/** First call of the run since the gateway started. */
	readonly created: boolean;
	readonly startedAt: number;
}

const families: readonly [RegExp, string][] = [
	[/claude-cli|claude-code/i, 'claude-code'],
	[/codex/i, 'codex'],
	[/aider/i, 'aider'],
	[/openhands/i, 'openhands'],
	[/^OpenAI\//i, 'openai-sdk'],
	[/^Anthropic\//i, 'anthropic-sdk'],
];

export function agentOf(userAgent: string | undefined): AgentInfo {
	const ua = (userAgent ?? '').slice(0, 200);
	const family = families.find(([re]) => re.test(ua))?.[1] ?? 'agent';
	return { family, userAgent: ua };
}

const sessionPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The session id an agent sends, if any (validated: it becomes part of a file name). */
export function sessionOf(header: HeaderLookup): string | undefined {
	const candidates = [header('x-agent-cost-run'), header('x-claude-code-session-id'), header('session-id'), header('session_id')];
	const meta = header('x-codex-turn-metadata');
	if (meta !== undefined) {
		try {
			candidates.push(str(rec(JSON.parse(meta)).session_id));
		} catch {
			// not JSON: no session from it
		}
	}
	return candidates.find((c): c is string => c !== undefined && sessionPattern.test(c));
}

interface Known {
	readonly runId: string;
	readonly label: string;
	readonly source: RunAssignment['source'];
	readonly startedAt: number;
	lastAt: number;
}

function pad(n: number): string {
	return String(n).padStart(2, '0');
}

/** `YYYYMMDD-HHMMSS` in UTC. */
function stamp(ms: number): string {
	const d = new Date(ms);
	return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

export class RunGrouper {
	private readonly known = new Map<string, Known>();
	private readonly usedIds = new Set<string>();

	/** @param idleMs a gap longer than this starts a new inactivity-grouped run (settable: a settings change applies at once) */
	constructor(
		private readonly clock: Clock,
		public idleMs: number,
	) {}

	assign(hint: RunHint): RunAssignment {
		const now = this.clock.now();
		this.forgetOld(now);
		let key: string;
		let make: () => Omit<Known, 'lastAt' | 'startedAt'>;
		if (hint.pathRun !== undefined) {
			key = `path\u0000${hint.pathRun}`;
			make = () => ({ runId: hint.pathRun!, label: hint.pathRun!, source: 'path' });
		} else if (hint.session !== undefined) {
			key = `session\u0000${hint.session}`;
			make = () => ({ runId: `${hint.agent.family}-${hint.session}`, label: `${hint.agent.family} ${hint.session!.slice(0, 8)}`, source: 'session' });
		} else {
			key = `idle\u0000${hint.workspace}\u0000${hint.agent.userAgent}`;
			const prev = this.known.get(key);
			if (prev && now - prev.lastAt > this.idleMs) this.known.delete(key);
			make = () => {
				let runId = `${hint.agent.family}-${stamp(now)}`;
				for (let i = 2; this.usedIds.has(runId); i++) runId = `${hint.agent.family}-${stamp(now)}-${i}`;
				const d = new Date(now);
				return { runId, label: `${hint.agent.family} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`, source: 'idle' };
			};
		}
		let k = this.known.get(key);
		const created = k === undefined;
		if (!k) {
			k = { ...make(), startedAt: now, lastAt: now };
			this.known.set(key, k);
			this.usedIds.add(k.runId);
		}
		k.lastAt = now;
		return { runId: k.runId, label: k.label, source: k.source, created, startedAt: k.startedAt };
	}

	/** Runs silent for a day are forgotten (memory stays bounded on a gateway that runs for weeks). */
	private forgetOld(now: number): void {
		if (this.known.size < 1000) return;
		for (const [key, k] of this.known) {
			if (now - k.lastAt > 86_400_000) {
				this.known.delete(key);
				this.usedIds.delete(k.runId);
			}
		}
	}
}
