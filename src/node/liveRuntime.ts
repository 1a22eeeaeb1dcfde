/**
 * The live-call machinery of the engine worker, built from the settings and folders a job carries:
 * price catalog (settings + workspace overrides), budget store (the file ledger in global storage,
 * or Redis), response caches restored from workspace storage (or Redis), provider transports whose
 * keys come from the {@link KeyBroker}, the policy engine and {@link LiveCalls}.
 *
 * One runtime serves every job whose store-relevant settings match; a settings change that needs
 * new stores (ledger folder, Redis URL, price overrides, cache sizes, endpoints) builds a new one
 * and retires the old one once its in-flight calls are done. Anything else (budget limits, policy,
 * tiers, retries…) is applied to the running one.
 */
import { join } from 'node:path';
import { dayKey } from '../core/budget/dayKey';
import type { BudgetStore } from '../core/ports/budgetStore';
import { batchedEmbedder } from '../core/caching/batchedEmbedder';
import { persistCaches, restoreCaches } from '../core/caching/cachePersistence';
import type { SharedResponseCache, SnapshotStore } from '../core/ports/snapshotStore';
import type { EngineConfig, RecordingsMode } from '../core/config/defaults';
import { createPolicyEngine, type PolicyEngine } from '../core/engine/policyEngine';
import { systemClock, systemRandom } from '../core/ports/clock';
import { type TokenCounter } from '../core/ports/tokenCounter';
import { budgetEventLines } from '../core/live/budgetEvents';
import type { CallRecorder, LiveCallRecord } from '../core/live/liveCallRecord';
import { createLiveCalls, type LiveCalls } from '../core/live/liveCalls';
import { LiveJobError, type LiveJobContext } from '../core/jobs/liveJobs';
import { createLiveSummarizer } from '../core/live/liveSummarizer';
import { toRecordingLines } from '../core/live/recordingLines';
import { recordedUnder } from '../core/live/recordingPrivacy';
import { liveRecordingFileName } from '../core/live/spendReport';
import type { AgentMetrics } from '../core/metrics/agentMetrics';
import { createPriceCatalog, type FullPriceCatalog } from '../core/pricing/catalog';
import { displayUrl } from '../core/providers/scrubSecrets';
import type { LlmTransport, ProviderId } from '../core/ports/llmTransport';
import { serializeRecordedRun } from '../core/transcripts/recording';
import { tokenCounter } from '../core/tokens/count';
import { FileLedgerStore } from './fileLedger';
import { FileSnapshotStore } from './fileSnapshotStore';
import { appendLines } from './jsonlCallRecorder';
import type { KeyBroker } from './keyBroker';
import { nodeSha256 } from './nodeSha256';
import { livePriceOverrides, type LivePriceOverrides } from './livePriceOverrides';
import { ensureRecordingsDir } from './recordingsDir';
import { AnthropicTransport } from './providers/anthropicTransport';
import { createOpenAIEmbedder } from './providers/openaiEmbedder';
import { OpenAITransport } from './providers/openaiTransport';
import { RedisStore } from './redisStore';

export const counter: TokenCounter = tokenCounter;

export interface LiveRuntimeDeps {
	readonly broker: KeyBroker;
	readonly metrics: AgentMetrics;
	/** Writer name in recording headers, e.g. "agent-cost-lens 0.1.0". */
	readonly agent?: string;
	/** How long to wait for Redis to answer a PING before refusing to run. @default 3000 */
	readonly redisConnectTimeoutMs?: number;
}

/** Everything a runtime is built from; a change means a new runtime. */
function identityOf(ctx: LiveJobContext, overrides: LivePriceOverrides): string {
	const c = ctx.config;
	return JSON.stringify([ctx.paths.ledgerDir, ctx.paths.cacheDir, c.store, overrides, c.cache, c.embeddings, c.providers, c.routing.cooldownSeconds, c.defaults.toolCallTimeoutSeconds]);
}

/**
 * Appends each live call to the recording of its budget day in the folder its job named, as
 * `agentCost.recordings.mode` says: everything, metadata only (no text) or nothing. Before every
 * write the folder's `.gitignore` of `*` is ensured — also in a folder that already existed (a
 * clone, an earlier version): recordings must not be committed by accident (delete the file to
 * share them on purpose).
 */
class DayFileRecorder implements CallRecorder {
	private readonly dirs = new Map<string, string>();
	private readonly lastFile = new Map<string, string>();
	private queue: Promise<void> = Promise.resolve();

	constructor(
		private readonly timeZone: () => string,
		private readonly agent: string,
		private readonly mode: () => RecordingsMode,
	) {}

	/** Routes `runId`'s calls to `dir` until {@link forget}. */
	route(runId: string, dir: string): void {
		this.dirs.set(runId, dir);
	}

	forget(runId: string): void {
		this.dirs.delete(runId);
		this.lastFile.delete(runId);
	}

	fileFor(runId: string, at: number): string | undefined {
		const dir = this.dirs.get(runId);
		return this.lastFile.get(runId) ?? (dir ? join(dir, liveRecordingFileName(dayKey(at, this.timeZone()))) : undefined);
	}

	append(full: LiveCallRecord): Promise<void> {
		const record = recordedUnder(this.mode(), full);
		if (!record) return Promise.resolve();
		const dir = this.dirs.get(record.runId);
		if (!dir) return Promise.reject(new Error(`no recording folder for run ${record.runId}`));
		const day = dayKey(Date.parse(record.startedAt), this.timeZone());
		const file = join(dir, liveRecordingFileName(day));
		this.lastFile.set(record.runId, file);
		const lines = toRecordingLines(record) + budgetEventLines(record);
		const next = this.queue.then(async () => {
			await ensureRecordingsDir(dir);
			await appendLines(file, lines, { header: () => serializeRecordedRun({ runId: `live-${day}`, startedAt: record.startedAt, agent: this.agent, title: `Live calls ${day}` }) });
		});
		this.queue = next.catch(() => undefined);
		return next;
	}
}

export class LiveRuntime {
	private users = 0;
	private retired = false;
	private closed = false;
	private config: EngineConfig;

	private constructor(
		readonly identity: string,
		config: EngineConfig,
		readonly engine: PolicyEngine,
		readonly live: LiveCalls,
		readonly catalog: FullPriceCatalog,
		readonly transports: Readonly<Record<ProviderId, LlmTransport>>,
		readonly recorder: DayFileRecorder,
		readonly storeKind: 'file' | 'redis',
		/** The ledger every call of this runtime is budgeted in (the shadow probe's calls too). */
		readonly budgetStore: BudgetStore & { close?(): unknown },
		private readonly snapshots: SnapshotStore,
		/** The ledger folder, for the Spend view (file store only). */
		readonly ledger: FileLedgerStore | undefined,
	) {
		this.config = config;
	}

	static async open(ctx: LiveJobContext, deps: LiveRuntimeDeps, overrides?: LivePriceOverrides): Promise<LiveRuntime> {
		const config = ctx.config;
		const po = overrides ?? (await livePriceOverrides(ctx));
		const identity = identityOf(ctx, po);
		let budgetStore: BudgetStore & { close?(): unknown };
		let snapshots: SnapshotStore;
		let sharedCache: SharedResponseCache | undefined;
		let ledger: FileLedgerStore | undefined;
		if (config.store.redisUrl) {
			// The password comes from SecretStorage through the running job (never from settings).
			const password = await deps.broker.secret('redis');
			const redis = await connectRedis(config.store.redisUrl, config.store.keyPrefix, deps.redisConnectTimeoutMs ?? 3000, password);
			budgetStore = redis;
			snapshots = redis;
			sharedCache = redis;
		} else {
			ledger = new FileLedgerStore(ctx.paths.ledgerDir);
			budgetStore = ledger;
			snapshots = new FileSnapshotStore(ctx.paths.cacheDir);
		}
		try {
			const timeoutMs = config.defaults.toolCallTimeoutSeconds * 1000;
			const transports = {
				openai: new OpenAITransport({ secrets: deps.broker.source, baseUrl: config.providers.openai.baseUrl, timeoutMs }),
				anthropic: new AnthropicTransport({ secrets: deps.broker.source, baseUrl: config.providers.anthropic.baseUrl, timeoutMs }),
			};
			const catalog = createPriceCatalog({ overrides: po.effective });
			// The list prices: a confirmed workspace price file may raise what a call is estimated at,
			// never lower what the budget reserves and counts.
			const floorPricing = po.effective === po.listed ? undefined : createPriceCatalog({ overrides: po.listed });
			// Provider embeddings only when the semantic cache is on: otherwise nothing would call them.
			const embedder =
				config.cache.semanticEnabled && config.embeddings.provider === 'openai'
					? batchedEmbedder(createOpenAIEmbedder({ secrets: deps.broker.source, model: config.embeddings.model, baseUrl: config.providers.openai.baseUrl, timeoutMs }), config.embeddings.batchSize)
					: undefined;
			const engine = createPolicyEngine({
				config,
				counter,
				pricing: catalog,
				...(floorPricing && { floorPricing }),
				clock: systemClock,
				random: systemRandom,
				budgetStore,
				summarizer: createLiveSummarizer({ transports, counter, timeoutMs }),
				sha256: nodeSha256,
				sharedCache,
				...(embedder && { embedder }),
			});
			await restoreCaches({ exact: engine.exactCache, semantic: engine.semanticCache }, snapshots).catch(() => undefined);
			let runtime: LiveRuntime | undefined;
			const recorder = new DayFileRecorder(
				() => runtime?.config.budget.timeZone ?? config.budget.timeZone,
				deps.agent ?? 'agent-cost-lens',
				() => (runtime?.config ?? config).recordings.mode,
			);
			const live = createLiveCalls({ engine, transports, counter, config, clock: systemClock, random: systemRandom, recorder, metrics: deps.metrics });
			runtime = new LiveRuntime(identity, config, engine, live, catalog, transports, recorder, config.store.redisUrl ? 'redis' : 'file', budgetStore, snapshots, ledger);
			return runtime;
		} catch (e) {
			await budgetStore.close?.();
			throw e;
		}
	}

	/** Settings that need no new stores apply at once (budget limits and policy, tiers, retries…). */
	update(config: EngineConfig): void {
		if (JSON.stringify(config) === JSON.stringify(this.config)) return;
		this.config = config;
		this.engine.updateConfig(config);
		this.live.updateConfig(config);
	}

	acquire(): void {
		this.users++;
	}

	release(): void {
		this.users--;
		if (this.retired && this.users === 0) void this.close();
	}

	/** Closes once the last user is done. */
	retire(): void {
		this.retired = true;
		if (this.users === 0) void this.close();
	}

	/** Saves response caches that changed (after each answered call: a worker can be terminated at any time). */
	async persist(): Promise<void> {
		await persistCaches({ exact: this.engine.exactCache, semantic: this.engine.semanticCache }, this.snapshots).catch(() => undefined);
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await this.persist();
		await this.budgetStore.close?.();
	}
}

/**
 * A Redis store that answered a PING, or a clear error: a shared budget that cannot be reached must
 * stop live calls, never fall back to a local ledger that would not see the others' spend.
 */
async function connectRedis(url: string, keyPrefix: string, timeoutMs: number, password: string | undefined): Promise<RedisStore> {
	const store = new RedisStore({ url, keyPrefix, ...(password !== undefined && { password }) });
	let lastError = '';
	// ioredis reports connection failures as events; unhandled, they would be printed by Node.
	store.redis.on('error', (e: NodeJS.ErrnoException) => {
		lastError = e.code ?? 'connection error';
	});
	let timer: ReturnType<typeof setTimeout> | undefined;
	try {
		await Promise.race([
			store.redis.ping(),
			new Promise((_, reject) => {
				timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
			}),
		]);
		await store.checkPersistence();
		return store;
	} catch (e) {
		await store.close().catch(() => undefined);
		store.redis.disconnect();
		const auth = e instanceof Error && /NOAUTH|WRONGPASS|invalid password|AUTH/i.test(e.message);
		const why = auth
			? password === undefined
				? 'it requires a password: run "Agent Cost: Set API Key…" → Redis password'
				: 'the stored Redis password was refused: set it again with "Agent Cost: Set API Key…"'
			: lastError || ((e as NodeJS.ErrnoException).code ?? (e instanceof Error && e.message === 'timeout' ? `no answer within ${timeoutMs} ms` : 'connection failed'));
		throw new LiveJobError(
			'storeUnavailable',
			`Redis at ${displayUrl(url)} (agentCost.store.redisUrl) is not reachable (${why}). Live calls are stopped rather than budgeted locally, because a local ledger would not see the spend shared through Redis. Start Redis, or clear agentCost.store.redisUrl to use this machine's ledger.`,
		);
	} finally {
		if (timer) clearTimeout(timer);
	}
}

/**
 * The runtime for a job: the current one when its identity matches (settings applied), else a new
 * one (the old one retires when its calls are done). A runtime that failed to open is not kept, so
 * the next job tries again (e.g. once Redis is back).
 */
export class LiveRuntimes {
	private current: { identity: string; runtime: Promise<LiveRuntime> } | undefined;

	constructor(private readonly deps: LiveRuntimeDeps) {}

	async acquire(ctx: LiveJobContext): Promise<LiveRuntime> {
		const overrides = await livePriceOverrides(ctx);
		const identity = identityOf(ctx, overrides);
		let entry = this.current;
		if (!entry || entry.identity !== identity) {
			const old = entry;
			const opening = LiveRuntime.open(ctx, this.deps, overrides);
			entry = this.current = { identity, runtime: opening };
			opening.catch(() => {
				if (this.current?.runtime === opening) this.current = undefined;
			});
			if (old)
				void old.runtime.then(
					r => r.retire(),
					() => undefined,
				);
		}
		const runtime = await entry.runtime;
		runtime.update(ctx.config);
		runtime.acquire();
		return runtime;
	}

	/**
	 * Stops reusing the current runtime (e.g. the Redis password changed): calls in flight finish on
	 * it, the next job opens a new one and asks for the credentials again.
	 */
	retireCurrent(): void {
		const c = this.current;
		this.current = undefined;
		if (c)
			void c.runtime.then(
				r => r.retire(),
				() => undefined,
			);
	}

	async dispose(): Promise<void> {
		const c = this.current;
		this.current = undefined;
		if (c)
			await c.runtime.then(
				r => r.close(),
				() => undefined,
			);
	}
}
