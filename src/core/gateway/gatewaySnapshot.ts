/**
 * What the gateway reports about itself over its control API (`GET /__agent-cost/status` and the
 * `/__agent-cost/events` stream): every window attached to the one gateway of the machine shows
 * the same runs from it. Amounts are USD. Never holds a key, a prompt or an answer.
 */

export type GatewayMode = 'observe' | 'enforce';

export interface GatewayRunBudget {
	readonly kind: 'ok' | 'warning' | 'exceeded' | 'disabled';
	readonly policy: 'hard' | 'soft' | 'warn';
	/** The run's spend and reservations against its limit (0 = no run limit). */
	readonly spent: number;
	readonly reserved: number;
	readonly limit: number;
	/** (spent + reserved) / limit of the binding scope. */
	readonly ratio: number;
	readonly warnThreshold: number;
	readonly steps: { readonly used: number; readonly max: number };
	readonly daily: { readonly spent: number; readonly reserved: number; readonly limit: number };
}

export interface GatewayRunSummary {
	readonly runId: string;
	readonly label: string;
	/** How the run was recognized: a `/run/<name>/` URL, the agent's session id, or inactivity gaps. */
	readonly source: 'path' | 'session' | 'idle';
	/** The client family (`claude-code`, `codex`, `openai-sdk`…). */
	readonly agent: string;
	/** The recording the run is written to (absent when the gateway does not record). */
	readonly recordingFile?: string;
	readonly startedAt: string;
	readonly lastAt: string;
	/** Answered calls (cache hits included) and calls that failed after reaching the gateway's budget check. */
	readonly calls: number;
	readonly inFlight: number;
	readonly refused: number;
	readonly errors: number;
	readonly cacheHits: number;
	readonly inputTokens: number;
	readonly outputTokens: number;
	/** Priced spend of the run's calls (side calls of the policies included). */
	readonly costUsd: number;
	/** Some usage was counted, not reported (≈). */
	readonly estimated: boolean;
	/** Calls with usage but no price: their cost is missing from `costUsd`. */
	readonly unpricedCalls: number;
	/** Enforce mode: calls whose request the policy changed (model, history) or answered from the cache. */
	readonly decisions: number;
	readonly lastDecision?: string;
	readonly budget?: GatewayRunBudget;
}

export interface GatewaySnapshot {
	readonly v: 1;
	readonly url: string;
	readonly mode: GatewayMode;
	readonly pid: number;
	readonly startedAt: string;
	readonly version: string;
	/** The run with the most recent call. */
	readonly liveRunId?: string;
	/** Newest first. */
	readonly runs: readonly GatewayRunSummary[];
}
