import * as vscode from 'vscode';
import type { LensPrice } from '../../core/lens/lensView';
import { modelIdProblem } from '../../core/tokens/modelId';
import { formatPerMtok } from '../../core/pricing/format';

/** Models offered after the tier models (ids the bundled price data knows). */
export const commonLensModels: readonly string[] = [
	'gpt-4o',
	'gpt-4o-mini',
	'gpt-4.1',
	'gpt-4.1-mini',
	'gpt-5',
	'gpt-5-mini',
	'o3',
	'o4-mini',
	'claude-opus-4-6',
	'claude-sonnet-4-5',
	'claude-haiku-4-5',
	'gemini-2.5-pro',
	'gemini-2.5-flash',
];

export type ModelChoice = { readonly kind: 'pin'; readonly model: string } | { readonly kind: 'reset' };

export interface ModelPickerInput {
	readonly current: string;
	readonly tiers: readonly { readonly tier: string; readonly model: string }[];
	/** The model the file names, if any. */
	readonly fileModel?: string;
	/** True when the user picked the current model for this file (a reset is offered). */
	readonly pinned: boolean;
	readonly defaultModel: string;
	/** Prices for the descriptions (may be empty when the worker could not answer). */
	readonly prices: ReadonlyMap<string, LensPrice>;
}

interface ChoiceItem extends vscode.QuickPickItem {
	readonly choice?: ModelChoice | 'other';
}

function priceDescription(price: LensPrice | undefined): string {
	if (!price) return '';
	if (price.kind !== 'known') return 'no price';
	const p = price.prices;
	return `${formatPerMtok(p.input)} in${p.output !== undefined ? ` · ${formatPerMtok(p.output)} out` : ''} per M`;
}

/** The lens's model quick pick: tier models first, then common models, then "Other…" free text. */
export async function pickLensModel(input: ModelPickerInput): Promise<ModelChoice | undefined> {
	const items: ChoiceItem[] = [];
	const seen = new Set<string>();
	const add = (model: string, label: string, detail?: string) => {
		seen.add(model);
		items.push({
			label,
			description: [model === input.current ? 'current' : '', priceDescription(input.prices.get(model))].filter(Boolean).join(' · '),
			...(detail !== undefined && { detail }),
			choice: { kind: 'pin', model },
		});
	};
	items.push({ label: 'Tier models', kind: vscode.QuickPickItemKind.Separator });
	for (const t of input.tiers) {
		if (!seen.has(t.model)) add(t.model, `$(layers) ${t.model}`, `${t.tier} tier (agentCost.tiers.${t.tier})`);
	}
	items.push({ label: 'Common models', kind: vscode.QuickPickItemKind.Separator });
	for (const m of commonLensModels) if (!seen.has(m)) add(m, m);
	items.push({ label: 'This file', kind: vscode.QuickPickItemKind.Separator });
	if (input.pinned) {
		items.push({
			label: input.fileModel ? `$(file) Use the file's model: ${input.fileModel}` : `$(discard) Use the default: ${input.defaultModel}`,
			description: input.fileModel ? 'front matter / request body' : 'setting agentCost.lens.model',
			choice: { kind: 'reset' },
		});
	}
	items.push({ label: '$(edit) Other…', description: 'type any model id', choice: 'other' });

	const picked = await vscode.window.showQuickPick(items, { title: 'Agent Cost Lens: price this prompt with…', placeHolder: `Current: ${input.current}`, matchOnDescription: true });
	if (!picked?.choice) return undefined;
	if (picked.choice !== 'other') return picked.choice;
	const typed = await vscode.window.showInputBox({
		title: 'Agent Cost Lens: model id',
		prompt: 'Any model id; one without a known price shows "no price" until you add it to agentCost.pricing.overrides.',
		value: input.current,
		validateInput: modelIdProblem,
	});
	return typed === undefined ? undefined : { kind: 'pin', model: typed.trim() };
}
