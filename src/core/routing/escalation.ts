/**
 * Escalation routing: a run starts on the cheap tier and moves up one tier on signs of trouble in
 * the run itself, and back down after a streak of clean steps. On agent benchmarks a router that
 * picks a tier per request from keywords multiplied cheap-model steps and cost more than always
 * using the strong model; routers that start cheap and escalate on trouble saved about half at
 * equal quality. The signals, each with a setting (`agentCost.routing.escalation.*`, 0 = off):
 *
 * - tool errors: that many tool outputs in a row report a failure;
 * - a repeated call: the agent makes the same tool call (same tool, same arguments) that many times in a row;
 * - a failed validation: the step is a retry, or the caller says the previous answer was rejected;
 * - no progress: that many steps without a passing check (a test or build run that succeeded);
 * - a long context: the prompt fills that share of the cheap model's window (a floor of one tier
 *   up while it does, not a step up at every call).
 *
 * This module is pure: the run's state between steps ({@link RunSignals}) is kept by the caller
 * (the live engine per run, a replay per thread) and passed in with the messages the agent added
 * since the run's previous step; the decision and the next state come back. Every change of tier
 * carries its reason (a rule id and a text).
 */
import type { PolicySettings } from '../config/defaults';
import { actionKey, actionsOf } from '../compression/agentActions';
import type { EngineMessage } from '../compression/messages';
import { isObservation } from '../compression/messages';
import type { RoutingReason, StepInfo, Tier } from './classifier';
import { tierOrder } from './classifier';

/** What a run has shown so far, as the escalation mode remembers it between steps. */
export interface RunSignals {
	/** Index into `tierOrder` (0 = cheap). */
	readonly level: number;
	/** Steps of the run routed so far. */
	readonly steps: number;
	/** The step (1-based count) at which `level` last changed. */
	readonly since: number;
	/** Tool outputs in a row that reported a failure. */
	readonly errorsInRow: number;
	/** The last tool call (see `actionKey`) and how many times in a row it was made. */
	readonly lastAction?: string;
	readonly sameActionInRow: number;
	/** Steps since the run started or the last passing check. */
	readonly stepsSinceCheck: number;
	/** Steps in a row without a trouble signal. */
	readonly cleanStreak: number;
}

const freshRunSignals: RunSignals = { level: 0, steps: 0, since: 0, errorsInRow: 0, sameActionInRow: 0, stepsSinceCheck: 0, cleanStreak: 0 };

const exitCode = /<returncode>\s*(-?\d+)\s*<\/returncode>|\bexit(?:ed with)? code[:= ]+(-?\d+)|\bexit status (-?\d+)/i;
const failureText =
	/(^|\n)\s*(Traceback\b|[A-Za-z_.]*(Error|Exception)\b:|FAILED\b|FAIL:|error(\[E\d+\])?:|fatal:|panic:|Segmentation fault)|\b[1-9]\d* (failed|errors?)\b|command not found|No such file or directory|Permission denied/;
const passText = /\b\d+ passed\b|(^|\n)OK( \(|\s*$)|\bAll tests passed\b|\btest result: ok\b|(^|\n)ok\s+\S+\s+[\d.]+s|\bTests?:\s+\d+ passed|\bBUILD SUCCESS(FUL)?\b/;
const checkCommand =
	/\b(pytest|py\.test|unittest|tox|nox|runtests|npm (run )?test|yarn test|pnpm test|jest|vitest|mocha|go test|cargo (test|build|check)|make( \S+)*? (test|check)|mvn|gradle|ctest|tsc|mypy|ruff|flake8|eslint)\b/;

/** The observation reports a failure: a non-zero exit code, or a traceback, error line or failed test in its text. */
export function reportsFailure(text: string): boolean {
	const code = exitCode.exec(text);
	if (code) return Number(code[1] ?? code[2] ?? code[3]) !== 0;
	return failureText.test(text);
}

/**
 * The observation is a passing check: a test or build run that succeeded. Either its text says so
 * (`12 passed`, `OK`, `test result: ok`…) without reporting a failure, or the command that produced
 * it (when known) is a test/build/lint command and it exited 0.
 */
export function reportsPassingCheck(text: string, command?: string): boolean {
	if (reportsFailure(text)) return false;
	if (passText.test(text)) return true;
	return command !== undefined && checkCommand.test(command) && exitCode.test(text);
}

export interface EscalationInput {
	readonly state: RunSignals | undefined;
	/** The messages the agent added since the run's previous step (its last answer, tool outputs, new turns). */
	readonly recent: readonly EngineMessage[];
	readonly step?: StepInfo;
	/** Input tokens of the request for the cheap tier's model (asked only when the context signal is on). */
	readonly cheapPromptTokens: () => number;
	/** The cheap model's context window (capped by `contextWindowMax`). */
	readonly cheapContextWindow: () => number;
}

export interface EscalationDecision {
	readonly tier: Tier;
	readonly reasons: readonly RoutingReason[];
	/** The run's state after this step, for the caller to keep. */
	readonly state: RunSignals;
}

/** The tier of this step under the escalation mode, with its reasons and the run's next state. */
export function escalationRoute(input: EscalationInput, settings: Pick<PolicySettings, 'routing'>): EscalationDecision {
	const e = settings.routing.escalation;
	const prev = input.state ?? freshRunSignals;
	let errorsInRow = prev.errorsInRow;
	let lastAction = prev.lastAction;
	let sameActionInRow = prev.sameActionInRow;
	let checked = false;
	let failed = false;
	let lastCommand: string | undefined;
	for (const m of input.recent) {
		if (isObservation(m)) {
			if (reportsFailure(m.content)) {
				errorsInRow++;
				failed = true;
			} else {
				errorsInRow = 0;
				if (reportsPassingCheck(m.content, lastCommand)) checked = true;
			}
			continue;
		}
		for (const a of actionsOf(m)) {
			const key = actionKey(a);
			sameActionInRow = key === lastAction ? sameActionInRow + 1 : 1;
			lastAction = key;
			lastCommand = a.name === 'bash' ? a.args : `${a.name} ${a.args}`;
		}
	}
	const steps = prev.steps + 1;
	let stepsSinceCheck = checked ? 0 : prev.stepsSinceCheck + 1;
	const signals: RoutingReason[] = [];
	if (e.toolErrors > 0 && errorsInRow >= e.toolErrors) {
		signals.push({ rule: 'route.escalate.toolErrors', text: `${errorsInRow} tool outputs in a row reported an error (limit ${e.toolErrors})` });
		errorsInRow = 0;
	}
	if (e.repeatedCalls > 0 && sameActionInRow >= e.repeatedCalls) {
		signals.push({ rule: 'route.escalate.repeatedCall', text: `the same tool call was made ${sameActionInRow} times in a row (limit ${e.repeatedCalls})` });
		sameActionInRow = 0;
	}
	if ((input.step?.attempt ?? 0) > 0 || input.step?.previousFailed) {
		signals.push({ rule: 'route.escalate.validator', text: 'the previous answer was rejected (a retry of a failed step)' });
	}
	if (e.stepsWithoutCheck > 0 && stepsSinceCheck >= e.stepsWithoutCheck) {
		signals.push({ rule: 'route.escalate.noProgress', text: `${stepsSinceCheck} steps without a passing check (limit ${e.stepsWithoutCheck})` });
		stepsSinceCheck = 0;
	}

	const top = tierOrder.length - 1;
	const reasons: RoutingReason[] = [];
	let level = prev.level;
	let since = prev.since;
	let cleanStreak = prev.cleanStreak;
	if (signals.length > 0) {
		reasons.push(...signals);
		cleanStreak = 0;
		if (level < top) {
			const from = tierOrder[level]!;
			level++;
			since = steps;
			reasons.push({ rule: 'route.escalate.up', text: `escalated ${from} → ${tierOrder[level]}` });
		} else reasons.push({ rule: 'route.escalate.top', text: `already on the top tier (${tierOrder[top]})` });
	} else {
		cleanStreak = failed || sameActionInRow > 1 ? 0 : cleanStreak + 1;
		if (e.deescalateAfter > 0 && level > 0 && cleanStreak >= e.deescalateAfter) {
			const from = tierOrder[level]!;
			level--;
			since = steps;
			reasons.push({ rule: 'route.escalate.down', text: `${cleanStreak} steps in a row without trouble: ${from} → ${tierOrder[level]}` });
			cleanStreak = 0;
		} else if (input.state === undefined) {
			reasons.push({ rule: 'route.escalate.start', text: 'the run starts on the cheap tier' });
		} else {
			reasons.push({ rule: 'route.escalate.hold', text: `${tierOrder[level]} tier since step ${Math.max(1, since)}` });
		}
	}
	let tier = tierOrder[level]!;
	if (e.contextRatio > 0 && level === 0) {
		const window = input.cheapContextWindow();
		const tokens = input.cheapPromptTokens();
		if (tokens > e.contextRatio * window) {
			tier = tierOrder[1]!;
			reasons.push({
				rule: 'route.escalate.context',
				text: `the prompt (${tokens.toLocaleString('en-US')} tokens) fills over ${Math.round(e.contextRatio * 100)}% of the cheap model's ${window.toLocaleString('en-US')}-token window: ${tier} tier`,
			});
		}
	}
	return { tier, reasons, state: { level, steps, since, errorsInRow, ...(lastAction !== undefined && { lastAction }), sameActionInRow, stepsSinceCheck, cleanStreak } };
}
