/**
 * Budget decisions of a live call as events: for the user (notifications, the answer's header) and
 * for the recording (`event` records next to the call, so the Spend view lists warnings and
 * downgrades from the file — a refusal already is a `budgetRefused` event, see `recordingLines.ts`).
 * Texts come from the engine's explanation: amounts, limits and model ids, never prompt text.
 */
import type { PlanExplanation } from '../engine/policyEngine';
import { serializeRecordedEvent } from '../transcripts/recording';
import type { LiveCallRecord } from './liveCallRecord';

/** A budget decision of a live call, as shown to the user. */
export interface LiveBudgetEvent {
	readonly kind: 'warning' | 'downgrade' | 'overLimit' | 'unpriced' | 'refused';
	readonly message: string;
}

/** Recording event kinds for budget decisions that did not stop the call. */
export const budgetEventKinds = { warning: 'budgetWarning', downgrade: 'budgetDowngrade', overLimit: 'budgetOverLimit', unpriced: 'budgetUnpriced', refused: 'budgetRefused' } as const;

/** The budget events in an explanation (warnings, a soft downgrade with its reason, over-limit, unpriced). */
export function budgetEventsOf(explanation: readonly PlanExplanation[]): LiveBudgetEvent[] {
	const out: LiveBudgetEvent[] = [];
	const budget = explanation.filter(e => e.stage === 'budget');
	for (const e of budget) {
		if (e.rule === 'budget.threshold') out.push({ kind: 'warning', message: e.text });
		else if (e.rule === 'budget.overLimit') out.push({ kind: 'overLimit', message: e.text });
		else if (e.rule === 'budget.unpriced') out.push({ kind: 'unpriced', message: e.text });
		else if (e.rule === 'budget.downgraded') {
			// The refusal(s) of the routed model explain WHY it was downgraded.
			const why = budget.find(r => r.rule.startsWith('budget.refused.'));
			out.push({ kind: 'downgrade', message: why ? `${e.text} — because: ${why.text}` : e.text });
		}
	}
	return out;
}

/** Recording `event` lines for a call's non-refusal budget events (refusals are written by `toRecordingLines`). */
export function budgetEventLines(record: LiveCallRecord): string {
	if (record.status === 'refused') return '';
	return budgetEventsOf(record.explanation as readonly PlanExplanation[])
		.filter(e => e.kind !== 'refused')
		.map(e => serializeRecordedEvent({ kind: budgetEventKinds[e.kind], at: record.startedAt, runId: record.runId, message: e.message }))
		.join('');
}
