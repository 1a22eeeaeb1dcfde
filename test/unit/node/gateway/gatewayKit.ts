import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BudgetStore } from '../../../../src/core/ports/budgetStore';
import { parseEngineConfig } from '../../../../src/core/config/parseEngineConfig';
import type { GatewayMode } from '../../../../src/core/gateway/gatewaySnapshot';
import { createPriceCatalog } from '../../../../src/core/pricing/catalog';
import { tokenCounter } from '../../../../src/core/tokens/count';
import { parseRecording } from '../../../../src/core/transcripts/recording';
import type { Transcript } from '../../../../src/core/transcripts/model';
import { FileLedgerStore } from '../../../../src/node/fileLedger';
import { startGateway, type Gateway, type GatewayOptions } from '../../../../src/node/gateway/gatewayServer';
import type { FakeProviderServer } from '../../../support/fakeProviderServer';

export const pricing = createPriceCatalog();

export interface TestGateway {
	readonly gateway: Gateway;
	readonly dir: string;
	readonly recordDir: string;
	readonly ledgerDir: string;
	readonly store: BudgetStore & { close?(): unknown };
	readonly logs: string[];
	/** The recordings written so far, read back by the product's own importer. */
	recordings(): { file: string; text: string; transcript: Transcript }[];
	close(): Promise<void>;
}

/** Settings every gateway test starts from: generous budgets, no response cache or compression (tests turn them on). */
const baseSettings = {
	'agentCost.budget.runUsd': 100,
	'agentCost.budget.dailyUsd': 0,
	'agentCost.budget.maxSteps': 0,
	'agentCost.cache.enabled': false,
	'agentCost.compression.strategy': 'none',
};

export async function startTestGateway(
	fake: FakeProviderServer | { anthropicBaseUrl: string; openaiBaseUrl: string },
	o: { mode?: GatewayMode; settings?: Record<string, unknown>; store?: BudgetStore & { close?(): unknown } } & Partial<GatewayOptions> = {},
): Promise<TestGateway> {
	const dir = mkdtempSync(join(tmpdir(), 'gateway-test-'));
	const recordDir = join(dir, 'recordings');
	const ledgerDir = join(dir, 'ledger');
	const { config, problems } = parseEngineConfig({ ...baseSettings, ...o.settings });
	if (problems.length) throw new Error(`test settings: ${JSON.stringify(problems)}`);
	const store = o.store ?? new FileLedgerStore(ledgerDir, { fsync: false });
	const logs: string[] = [];
	const gateway = await startGateway({
		mode: o.mode ?? 'observe',
		upstreams: { anthropic: fake.anthropicBaseUrl, openai: fake.openaiBaseUrl },
		config,
		budgetStore: store,
		pricing,
		counter: tokenCounter,
		recordDir,
		log: line => logs.push(line),
		...o,
	});
	return {
		gateway,
		dir,
		recordDir,
		ledgerDir,
		store,
		logs,
		recordings() {
			let files: string[];
			try {
				files = readdirSync(recordDir).filter(f => f.endsWith('.agent-cost.jsonl'));
			} catch {
				return [];
			}
			// A file being created may still be empty: it is not a recording yet.
			return files.flatMap(f => {
				const text = readFileSync(join(recordDir, f), 'utf8');
				return text.trim() ? [{ file: join(recordDir, f), text, transcript: parseRecording(text, { file: f, counter: tokenCounter }) }] : [];
			});
		},
		async close() {
			await gateway.close(5000);
			await store.close?.();
		},
	};
}

/** Waits until `probe` holds (recordings are appended just after the response ends). */
export async function eventually<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = probe();
		if (v !== undefined && v !== false) return v;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise(r => setTimeout(r, 20));
	}
}
