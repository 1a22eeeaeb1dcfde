import type { EngineMessage } from '../compression/messages';
import { isObservation, isUserTurn } from '../compression/messages';
import type { ToolDefinitionLike } from '../tokens/types';

export type Tier = 'cheap' | 'medium' | 'expensive';
export const tierOrder: readonly Tier[] = ['cheap', 'medium', 'expensive'];

/** One rule that fired, for the UI's "why this model" explanation. */
export interface RoutingReason {
	/** Stable id, e.g. `ref.simple`, `agent.toolError`. */
	readonly rule: string;
	readonly text: string;
}

/** What the caller knows about the agent step being routed. */
export interface StepInfo {
	/** 1-based step number within the run. */
	readonly index?: number;
	/** What the step does, when the agent framework says so. */
	readonly role?: 'plan' | 'act' | 'observe' | 'reflect' | 'summarize' | 'extract' | 'final';
	/** 0 for the first attempt; > 0 when this step is retried after a failure. */
	readonly attempt?: number;
	/** The previous attempt's output was rejected (invalid JSON, failed tests…). */
	readonly previousFailed?: boolean;
}

export interface RoutingInput {
	readonly messages: readonly EngineMessage[];
	readonly tools?: readonly ToolDefinitionLike[];
	readonly step?: StepInfo;
	/** Prompt size in tokens, when already counted (long prompts need at least the medium tier). */
	readonly promptTokens?: number;
}

export interface ComplexityDecision {
	readonly tier: Tier;
	readonly reasons: readonly RoutingReason[];
	/** The text the reference rules were applied to (the task). */
	readonly task: string;
}

/** The reference rule set: simple task verbs… */
const simplePattern = /\b(extract|classify|format|validate|list|count)\b/i;
/** …apply only to short tasks (words). */
const shortTaskWords = 150;

/** The reference's complex markers; two or more → expensive. */
const complexMarkers: readonly { readonly id: string; readonly re: RegExp }[] = [
	{ id: 'design-system', re: /\bdesign\b[^.?!\n]{0,80}\b(system|architecture)s?\b/i },
	{ id: 'novel', re: /\bnovel\b/i },
	{ id: 'creative', re: /\bcreative(ly)?\b/i },
	{ id: 'synthesize-across', re: /\bsynthesi[sz]e\b[^.?!\n]{0,80}\bacross\b/i },
	{ id: 'trade-off', re: /\btrade-?\s?offs?\b/i },
	{ id: 'compare-contrast', re: /\bcompare and contrast\b/i },
];

const errorPattern = /\b(error|exception|traceback|failed|failure|panic|segfault|assertion ?error|stack trace|exit code [1-9]\d*)\b/i;
const codeTaskPattern = /\b(write|implement|fix|debug|refactor|optimi[sz]e|port|rewrite)\b/i;

/** Prompts longer than this need at least the medium tier: small models lose track in long contexts. */
const longPromptTokens = 32_000;
/** Choosing among this many tools is itself a hard decision. */
const manyTools = 12;

function step(t: Tier, by: 1 | -1): Tier {
	return tierOrder[Math.max(0, Math.min(2, tierOrder.indexOf(t) + by))]!;
}

function atLeast(t: Tier, floor: Tier): Tier {
	return tierOrder.indexOf(t) >= tierOrder.indexOf(floor) ? t : floor;
}

/**
 * Classifies a call's complexity. Starts from the reference rules (≥ 2 complex markers → expensive;
 * a simple verb in a short task → cheap; else medium) applied to the task (the last real user turn),
 * then adjusts for what matters in agent steps: failing tool output, code work, long prompts, many
 * tools, the step's role, and retries. Every rule that fires is returned as a reason.
 */
export function classifyComplexity(input: RoutingInput): ComplexityDecision {
	const { messages } = input;
	let taskIdx = -1;
	for (let i = messages.length - 1; i >= 0; i--) {
		if (isUserTurn(messages[i]!)) {
			taskIdx = i;
			break;
		}
	}
	const task = taskIdx >= 0 ? messages[taskIdx]!.content : '';
	const reasons: RoutingReason[] = [];
	const wordCount = task.split(/\s+/).filter(Boolean).length;

	// 1. Reference rules.
	const markers = complexMarkers.filter(m => m.re.test(task)).map(m => m.id);
	let tier: Tier;
	if (markers.length >= 2) {
		tier = 'expensive';
		reasons.push({ rule: 'ref.complex', text: `${markers.length} complex markers in the task (${markers.join(', ')})` });
	} else if (simplePattern.test(task) && wordCount <= shortTaskWords) {
		tier = 'cheap';
		reasons.push({ rule: 'ref.simple', text: `simple task ("${simplePattern.exec(task)![1]!.toLowerCase()}") of ${wordCount} words` });
	} else {
		tier = 'medium';
		reasons.push({ rule: 'ref.default', text: markers.length === 1 ? `one complex marker (${markers[0]}); two are needed for the expensive tier` : 'no simple or complex pattern matched' });
	}

	// 2. Agent-step features.
	const last = messages[messages.length - 1];
	const afterTask = taskIdx >= 0 ? messages.slice(taskIdx + 1) : messages;
	const toolResults = afterTask.filter(isObservation);
	if (last && isObservation(last) && errorPattern.test(last.content)) {
		const before = tier;
		tier = atLeast(tier, 'medium');
		reasons.push({
			rule: 'agent.toolError',
			text: `the last tool result reports a failure ("${errorPattern.exec(last.content)![1]}"): diagnosing it needs at least the medium tier${before === tier ? '' : ` (was ${before})`}`,
		});
	} else if (last && isObservation(last) && tier === 'cheap') {
		reasons.push({ rule: 'agent.toolData', text: 'processing a successful tool result for a simple task: cheap tier kept' });
	}
	const hasCode = /```/.test(task) || afterTask.some(m => /```/.test(m.content));
	if (hasCode && codeTaskPattern.test(task)) {
		const before = tier;
		tier = atLeast(tier, 'medium');
		reasons.push({ rule: 'agent.code', text: `code to ${codeTaskPattern.exec(task)![1]!.toLowerCase()}${before === tier ? '' : `: at least the medium tier (was ${before})`}` });
	}
	if (input.promptTokens !== undefined && input.promptTokens > longPromptTokens) {
		const before = tier;
		tier = atLeast(tier, 'medium');
		if (before !== tier)
			reasons.push({ rule: 'agent.longPrompt', text: `prompt of ${input.promptTokens.toLocaleString('en-US')} tokens (> ${longPromptTokens.toLocaleString('en-US')}): at least the medium tier` });
	}
	if (input.tools && input.tools.length >= manyTools && toolResults.length === 0) {
		const before = tier;
		tier = atLeast(tier, 'medium');
		if (before !== tier) reasons.push({ rule: 'agent.manyTools', text: `choosing among ${input.tools.length} tools: at least the medium tier` });
	}
	const role = input.step?.role;
	if (role === 'plan') {
		const before = tier;
		tier = step(tier, 1);
		reasons.push({ rule: 'agent.plan', text: before === tier ? 'planning step (already the top tier)' : `planning step: one tier up (${before} → ${tier})` });
	} else if ((role === 'summarize' || role === 'extract') && !reasons.some(r => r.rule === 'agent.toolError') && markers.length < 2) {
		if (tier !== 'cheap') reasons.push({ rule: 'agent.mechanical', text: `${role} step: cheap tier (was ${tier})` });
		tier = 'cheap';
	}
	if ((input.step?.attempt ?? 0) > 0 || input.step?.previousFailed) {
		const before = tier;
		tier = step(tier, 1);
		reasons.push({ rule: 'agent.retry', text: before === tier ? 'retry of a failed step (already the top tier)' : `retry of a failed step: escalated ${before} → ${tier}` });
	}
	return { tier, reasons, task };
}
