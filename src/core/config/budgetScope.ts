import type { BudgetPolicy, EngineConfig } from './defaults';
import { parseEngineConfig } from './parseEngineConfig';

type BudgetSettings = EngineConfig['budget'];
type BudgetField = keyof BudgetSettings;

/** What a workspace's budget settings did to the user's. */
export interface BudgetTightening {
	readonly budget: BudgetSettings;
	/** One line per workspace value that applies (it is stricter than the user's). */
	readonly applied: readonly string[];
	/** One line per workspace value that was ignored, and why. */
	readonly ignored: readonly string[];
}

const strictness: Record<BudgetPolicy, number> = { warn: 0, soft: 1, hard: 2 };

/** A limit where 0 means "none": `w` is stricter when it sets one the user has not, or a lower one. */
const lowerLimit = (w: number, u: number) => w > 0 && (u === 0 || w < u);

/** When the workspace's value is stricter than the user's (a budget can only get tighter). */
const stricter: { readonly [F in BudgetField]: ((w: BudgetSettings[F], u: BudgetSettings[F]) => boolean) | undefined } = {
	enabled: (w, u) => w && !u,
	policy: (w, u) => strictness[w] > strictness[u],
	runUsd: lowerLimit,
	dailyUsd: lowerLimit,
	maxSteps: lowerLimit,
	warnThreshold: (w, u) => w < u,
	// One daily budget is one day key per machine: the day follows the user's own zone only.
	timeZone: undefined,
};

function show(field: BudgetField, v: unknown): string {
	return field === 'runUsd' || field === 'dailyUsd' ? (v === 0 ? 'no limit' : `$${String(v)}`) : JSON.stringify(v);
}

/**
 * The budget settings are user/machine-scoped: VS Code ignores a workspace's `.vscode/settings.json`
 * for them, so a cloned repository cannot switch a spend cap off, raise it, weaken the policy or
 * move the budget day. A workspace may still make a budget STRICTER (a lower limit, budgets on, a
 * harder policy, an earlier warning): `workspace` holds the raw values from its settings file
 * (flat `agentCost.budget.*` keys), and each one is applied only when it is valid and stricter.
 */
export function tightenBudget(user: BudgetSettings, workspace: Readonly<Record<string, unknown>>): BudgetTightening {
	const budget: Record<string, unknown> = { ...user };
	const applied: string[] = [];
	const ignored: string[] = [];
	for (const field of Object.keys(user) as BudgetField[]) {
		const key = `agentCost.budget.${field}`;
		if (!(key in workspace)) continue;
		const raw = workspace[key];
		const parsed = parseEngineConfig({ [key]: raw });
		const problem = parsed.problems.find(p => p.key === key && p.severity === 'error');
		if (problem) {
			ignored.push(`${key}: the workspace's value is invalid (${problem.message})`);
			continue;
		}
		const w = parsed.config.budget[field];
		const u = user[field];
		const rule = stricter[field] as ((w: unknown, u: unknown) => boolean) | undefined;
		if (!rule) ignored.push(`${key}: the workspace's ${show(field, w)} is ignored — the budget day follows your own settings only`);
		else if (rule(w, u)) {
			budget[field] = w;
			applied.push(`${key}: the workspace's ${show(field, w)} applies (stricter than your ${show(field, u)})`);
		} else if (w !== u) ignored.push(`${key}: the workspace's ${show(field, w)} is ignored — a workspace may only tighten a budget (yours: ${show(field, u)})`);
	}
	return { budget: budget as unknown as BudgetSettings, applied, ignored };
}
