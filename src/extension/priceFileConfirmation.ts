import type * as vscode from 'vscode';
import type { PriceOverrides } from '../core/pricing/overrides';

const stateKey = 'agentCost.pricing.confirmedPriceFiles';

/** Which content (SHA-256) of which workspace price file the user accepted; kept in global state. */
export interface PriceFileConfirmations {
	confirmed(path: string): string | undefined;
	confirm(path: string, sha256: string): Promise<void>;
	/** True the first time this session a file with this content is seen unconfirmed (ask once). */
	askOnce(path: string, sha256: string): boolean;
}

export function priceFileConfirmations(state: vscode.Memento): PriceFileConfirmations {
	const asked = new Set<string>();
	const all = () => state.get<Record<string, string>>(stateKey) ?? {};
	return {
		confirmed: path => all()[path],
		confirm: async (path, sha256) => state.update(stateKey, { ...all(), [path]: sha256 }),
		askOnce(path, sha256) {
			const key = `${path}\u0000${sha256}`;
			if (asked.has(key)) return false;
			asked.add(key);
			return true;
		},
	};
}

function usd(n: number | undefined): string {
	return n === undefined ? '—' : `$${n}`;
}

/** The entries of a price file in one line, for the confirmation prompt: `gpt-4o $0 in / $0 out per M tokens, … (3 models)`. */
export function describePriceFile(overrides: PriceOverrides): string {
	const entries = Object.entries(overrides);
	const shown = entries.slice(0, 4).map(([model, o]) => `${model} ${usd(o.input)} in / ${usd(o.output)} out`);
	const more = entries.length > 4 ? `, and ${entries.length - 4} more` : '';
	return `${shown.join(', ')}${more} per million tokens (${entries.length} model${entries.length === 1 ? '' : 's'})`;
}
