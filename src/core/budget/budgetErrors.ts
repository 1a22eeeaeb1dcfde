import { EngineError } from '../lib/errors';
import type { BudgetExceededReason } from '../ports/budgetStore';

export interface BudgetExceededDetails {
	/** The model the call would have used. */
	readonly model: string;
	/** USD (or steps for `steps`). 0 = no limit. */
	readonly limit: number;
	readonly spent: number;
	readonly reserved: number;
	/** The worst-case cost of the refused call (USD); 1 step for `steps`. */
	readonly requested: number;
}

/** A call was refused because it could exceed a budget (hard policy, or soft after every downgrade). */
export class BudgetExceededError extends EngineError<BudgetExceededReason> {
	readonly kind = 'budget';
	constructor(
		reason: BudgetExceededReason,
		readonly details: BudgetExceededDetails,
	) {
		super(reason, describe(reason, details));
	}
	static is(e: unknown, reason?: BudgetExceededReason): e is BudgetExceededError {
		return e instanceof BudgetExceededError && (reason === undefined || e.reason === reason);
	}
}

function usd(n: number): string {
	return `$${n < 0.01 && n > 0 ? n.toFixed(6) : n.toFixed(4)}`;
}

function describe(reason: BudgetExceededReason, d: BudgetExceededDetails): string {
	if (reason === 'steps') return `Step limit reached: this run already made ${d.spent} of ${d.limit} allowed calls (agentCost.budget.maxSteps).`;
	const what = reason === 'run' ? 'run budget (agentCost.budget.runUsd)' : 'daily budget (agentCost.budget.dailyUsd)';
	return `A call to ${d.model} could cost up to ${usd(d.requested)}, but the ${what} has ${usd(Math.max(0, d.limit - d.spent - d.reserved))} left of ${usd(d.limit)} (${usd(d.spent)} spent, ${usd(d.reserved)} reserved by calls in flight).`;
}

/**
 * The budget cannot be enforced for a model without a usable price; never a silent $0. `why` says
 * what is wrong when a price exists but cannot be used (e.g. it makes the cost Infinity).
 */
export class UnpricedModelError extends EngineError<'unpriced'> {
	readonly kind = 'budget';
	constructor(
		readonly model: string,
		readonly hint: string,
		why?: string,
	) {
		super('unpriced', `${why ? `The price of ${model} cannot be used (${why})` : `No price is known for ${model}`}, so the budget cannot cover a call to it. ${hint}`);
	}
	static is(e: unknown): e is UnpricedModelError {
		return e instanceof UnpricedModelError;
	}
}
