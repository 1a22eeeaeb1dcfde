import { DisposableStore } from '../../core/lib/disposable';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { EngineJobs } from '../../core/jobs/engineJobs';
import { lensTooltipCommands, pickModelCommand, renderLens, type ExactCountState, type LensPrice, type LensTier, type TierName } from '../../core/lens/lensView';
import { modelIdProblem } from '../../core/lens/modelId';
import { promptFormatOf, type PromptFormat } from '../../core/prompts/promptGlobs';
import { createRenderThrottle, type RenderThrottle } from '../../core/lens/renderThrottle';
import { TimingStats, type TimingSummary } from '../../core/lens/timingStats';
import { describeError } from '../../core/lib/errors';
import type { PriceOverrides } from '../../core/pricing/overrides';
import { TokenWorkerError, type DocumentCount, type PromptOptions, type PromptSectionCounts, type TextEdit, type TextRange } from '../../core/lens/workerProtocol';
import type { JobWorkerClient } from '../../node/jobWorkerClient';
import { TokenWorkerClient, type TextSlices } from '../../node/tokenWorkerClient';
import type { Secrets } from '../secrets';
import { ExactClaudeCounts } from './exactClaudeCount';
import { LensSettings } from './lensSettings';
import type { EngineSettings, EngineSettingsChange } from '../engineSettings';
import { commonLensModels, pickLensModel } from './modelPicker';

/** What the status bar shows right now (for the API, tests and the benchmark). */
export interface LensSnapshot {
	readonly uri: string;
	/** The document version the shown count describes. */
	readonly version: number;
	readonly text: string;
	readonly tooltip: string;
	readonly warning: boolean;
	readonly model: string;
	readonly modelSource: 'pinned' | 'file' | 'default';
	readonly format: PromptFormat;
	/** The number in the status bar (the selection's when there is one) and whether it is exact. */
	readonly tokens: number;
	readonly exact: boolean;
	/** The prompt's tokens (messages + framing), also when a selection is shown. */
	readonly promptTokens: number;
	readonly selection: boolean;
	/** Undefined while prices load and for models without a price. */
	readonly usd?: number;
	/** `performance.now()` of the render, on the extension host's clock. */
	readonly at: number;
}

/** When a document version reached the host, got its count and got rendered (extension host clock). */
export interface VersionTimes {
	readonly version: number;
	readonly changeAt: number;
	countAt?: number;
	renderAt?: number;
}

export interface LensStatsReport {
	/**
	 * Measured by the extension itself: `loadMs` evaluating dist/extension.js, `activateMs` inside
	 * `activate()`, `totalMs` their sum (the extension's time on the host's thread); `hostWaitMs` VS
	 * Code's own wait between the two (it prepares the extension's storage).
	 */
	readonly activation?: {
		readonly loadMs: number;
		readonly activateMs: number;
		readonly totalMs: number;
		readonly hostWaitMs: number;
		/** CPU the extension host process used during load + activate() (wall time also counts waiting for a busy CPU). */
		readonly cpuMs: number;
		/** Wall time of each step of the composition root, in order. */
		readonly steps: readonly { readonly name: string; readonly ms: number }[];
	};
	/** Of `activateMs`: constructing the lens. */
	readonly lensConstructMs: number;
	/** Time spent on the extension host's thread per lens handler. */
	readonly handlers: Readonly<Record<string, TimingSummary>>;
	readonly workerStarts: number;
	readonly workerRunning: boolean;
}

export interface PromptLensDeps {
	readonly context: vscode.ExtensionContext;
	readonly log: vscode.LogOutputChannel;
	/** The status bar item (owned by the container). */
	readonly item: vscode.StatusBarItem;
	readonly secrets: Secrets;
	/** The extension's settings (the one reader of `agentCost.*`). */
	readonly settings: EngineSettings;
	/** The shared engine worker client, created on first use (exact Claude counts). */
	readonly engine: () => JobWorkerClient<EngineJobs>;
}

interface Tracked {
	readonly key: string;
	readonly document: vscode.TextDocument;
	readonly format: PromptFormat;
	readonly fileName: string;
	sentVersion: number;
	count?: DocumentCount;
	/** The selection asked for last ('' = none) and its count, once answered. */
	selectionKey: string;
	selection?: { readonly key: string; readonly tokens: number; readonly exact: boolean; readonly ranges: number };
	readonly times: Map<number, VersionTimes>;
	/** A large document's text is being read slice by slice: its edits wait (see `open`). */
	reading: boolean;
	/** The document changed while it was being read: it is read again from the start. */
	stale: boolean;
	/** Counts of older versions come from a superseded open: ignored. */
	minVersion: number;
	/** The worker has been sent the document (its first slice at least). */
	opened: boolean;
}

const pickedModelsKey = 'agentCost.lens.pickedModels';
const maxPicks = 500;
/** Status bar updates at most this often (leading edge: a pause then a keystroke renders at once). */
const renderIntervalMs = 200;
const maxTimes = 4000;
/** Large documents are read and posted this many characters at a time (≈1 ms each on the host's thread). */
const readSliceChars = 262_144;
const allowedSchemes = new Set(['file', 'vscode-remote', 'vscode-vfs', 'memfs', 'untitled']);
const tierNames: readonly TierName[] = ['cheap', 'medium', 'expensive'];
const now = () => performance.now();

/**
 * The status-bar token/cost lens for prompt files. Counting and pricing happen in the token worker
 * (`dist/tokenWorker.js`, started on first use — never during activation): the host forwards each
 * document's `contentChanges` as edits and selections as ranges, drops answers older than what it
 * already shows, and renders at most a few times per second. See `src/core/lens/*` for the rules.
 */
export class PromptLens implements vscode.Disposable {
	readonly stats = new TimingStats();
	activation: LensStatsReport['activation'];
	private readonly disposables = new DisposableStore();
	private readonly settings: LensSettings;
	private readonly tracked = new Map<string, Tracked>();
	private client: TokenWorkerClient | undefined;
	private readonly prices = new Map<string, LensPrice>();
	private readonly pricesAsked = new Set<string>();
	private priceGeneration = 0;
	private overrides: Promise<PriceOverrides> | undefined;
	private overridesSentTo = -1;
	private readonly throttle: RenderThrottle;
	private readonly exact: ExactClaudeCounts;
	private current: LensSnapshot | undefined;
	private readonly rendered = new vscode.EventEmitter<LensSnapshot>();
	private disposed = false;
	/** Fires after every render of a prompt document. */
	readonly onDidRender = this.rendered.event;

	constructor(private readonly deps: PromptLensDeps) {
		const constructStart = now();
		this.settings = new LensSettings(deps.settings);
		this.throttle = createRenderThrottle(() => this.render(), renderIntervalMs);
		this.exact = new ExactClaudeCounts({
			secrets: deps.secrets,
			settings: this.settings,
			log: deps.log,
			engine: deps.engine,
			tokens: () => this.tokens(),
			current: docId => this.tracked.get(docId)?.count,
			changed: () => this.throttle.request(),
		});
		const item = deps.item;
		item.name = 'Agent Cost Lens';
		item.text = '$(symbol-numeric) Agent Cost';
		item.tooltip = 'Agent Cost Lens: tokens and cost of the prompt file in the active editor';
		item.command = pickModelCommand;
		item.hide();
		this.disposables.add(
			this.rendered,
			this.exact,
			vscode.window.onDidChangeActiveTextEditor(e => this.timed('activeEditor', () => this.onActiveEditor(e))),
			vscode.workspace.onDidChangeTextDocument(e => this.onChange(e)),
			vscode.window.onDidChangeTextEditorSelection(e => this.timed('selection', () => this.onSelection(e))),
			vscode.workspace.onDidCloseTextDocument(d => this.untrack(d.uri.toString())),
			deps.settings.onDidChange(e => this.onConfiguration(e)),
			deps.settings.onDidChangePrices(() =>
				this.timed('configuration', () => {
					this.invalidatePrices();
					this.throttle.request();
				}),
			),
			vscode.commands.registerCommand(pickModelCommand, (arg?: unknown) => this.pickModel(arg)),
		);
		// After activation returns: the active editor may already be a prompt file.
		const timer = setTimeout(() => this.timed('activeEditor', () => this.onActiveEditor(vscode.window.activeTextEditor)), 0);
		this.disposables.add({ dispose: () => clearTimeout(timer) });
		this.constructMs = now() - constructStart;
	}

	private readonly constructMs: number;

	/** What the status bar shows now (undefined when the active editor is not a prompt file). */
	get snapshot(): LensSnapshot | undefined {
		return this.current;
	}

	statsReport(): LensStatsReport {
		return {
			...(this.activation && { activation: this.activation }),
			lensConstructMs: this.constructMs,
			handlers: this.stats.summary(),
			workerStarts: this.client?.starts ?? 0,
			workerRunning: this.client?.isRunning ?? false,
		};
	}

	/**
	 * The parts of a tracked prompt document with their tokens, and the price of the model they are
	 * counted for (undefined while it loads: it is asked for, and the render that follows refreshes
	 * the caller). Undefined for a document the lens does not follow or has not sent to the worker yet.
	 */
	async sections(document: vscode.TextDocument): Promise<{ readonly counts: PromptSectionCounts; readonly price?: LensPrice } | undefined> {
		const t = this.tracked.get(document.uri.toString());
		if (!t || !t.opened || t.reading) return undefined;
		const counts = await this.tokens().promptSections(t.key);
		const price = this.prices.get(counts.model);
		if (!price) this.ensurePrices([counts.model]);
		return { counts, ...(price && { price }) };
	}

	/** Per-version timings of a tracked document (oldest first). */
	timeline(uri: string): VersionTimes[] {
		return [...(this.tracked.get(uri)?.times.values() ?? [])].map(t => ({ ...t }));
	}

	// ---------------------------------------------------------------------------------------------
	// Events

	private onActiveEditor(editor: vscode.TextEditor | undefined): void {
		const document = editor?.document;
		if (document && this.isPrompt(document)) {
			const t = this.tracked.get(document.uri.toString()) ?? this.track(document);
			if (editor) this.refreshSelection(t, editor);
		}
		this.throttle.request();
	}

	private onChange(e: vscode.TextDocumentChangeEvent): void {
		if (e.contentChanges.length === 0) return;
		const t = this.tracked.get(e.document.uri.toString());
		if (!t) return;
		if (t.reading) {
			t.stale = true;
			return;
		}
		const arrived = now();
		this.timed('change', () => {
			const version = e.document.version;
			t.sentVersion = version;
			remember(t.times, { version, changeAt: arrived });
			const edits: TextEdit[] = e.contentChanges.map(c => ({ rangeOffset: c.rangeOffset, rangeLength: c.rangeLength, text: c.text }));
			this.tokens()
				.edit(t.key, version, edits)
				.then(
					c => this.accept(t, c),
					err => this.failed(t, 'edit', err),
				);
			const editor = vscode.window.activeTextEditor;
			if (editor?.document === e.document && t.selectionKey !== '') this.refreshSelection(t, editor);
		});
	}

	private onSelection(e: vscode.TextEditorSelectionChangeEvent): void {
		if (e.textEditor !== vscode.window.activeTextEditor) return;
		const t = this.tracked.get(e.textEditor.document.uri.toString());
		if (t) this.refreshSelection(t, e.textEditor);
	}

	/** Settings changed (prices have their own event: {@link EngineSettings.onDidChangePrices}). */
	private onConfiguration(e: EngineSettingsChange): void {
		this.timed('configuration', () => {
			if (e.affects('agentCost.tokens.exactClaudeCount')) this.exact.reset();
			if (e.affects('agentCost.lens.promptGlobs')) {
				for (const t of [...this.tracked.values()]) if (!this.isPrompt(t.document)) this.untrack(t.key);
				this.onActiveEditor(vscode.window.activeTextEditor);
			}
			if (e.affects('agentCost.lens.model') || e.affects('agentCost.tiers')) {
				for (const t of this.tracked.values()) void this.configure(t);
			}
			this.throttle.request();
		});
	}

	// ---------------------------------------------------------------------------------------------
	// Documents

	private isPrompt(document: vscode.TextDocument): boolean {
		const uri = document.uri;
		if (!allowedSchemes.has(uri.scheme)) return false;
		const folder = vscode.workspace.getWorkspaceFolder(uri);
		const relative = folder && uri.path.startsWith(folder.uri.path) ? uri.path.slice(folder.uri.path.length).replace(/^\/+/, '') : undefined;
		return this.settings.value.matcher.matches(uri.path, relative);
	}

	private promptOptions(t: Tracked): PromptOptions {
		const picked = this.picks()[t.key];
		const pinned = typeof picked === 'string' && !modelIdProblem(picked) ? picked : undefined;
		const tiers = this.settings.value.config.tiers;
		return { format: t.format, ...(pinned !== undefined && { pinnedModel: pinned }), compare: [...new Set(tierNames.map(n => tiers[n]))] };
	}

	/**
	 * Starts following a prompt document. Its first count needs a worker (spawned on first use), the
	 * document's length and its text: each step runs in a macrotask of its own so none of them holds
	 * the extension host's thread for long; edits made meanwhile are covered by reading the text late.
	 */
	private track(document: vscode.TextDocument): Tracked {
		const key = document.uri.toString();
		// `reading` until the text is out: edits made before that are in the text read.
		const t: Tracked = {
			key,
			document,
			format: promptFormatOf(document.uri.path),
			fileName: document.uri.path.split('/').pop() ?? key,
			sentVersion: document.version,
			selectionKey: '',
			times: new Map(),
			reading: true,
			stale: false,
			minVersion: 0,
			opened: false,
		};
		this.tracked.set(key, t);
		remember(t.times, { version: document.version, changeAt: now() });
		const client = this.tokens();
		const step = (fn: () => void) => setImmediate(() => this.tracked.get(key) === t && !this.disposed && fn());
		step(() => {
			if (!client.isRunning) this.timed('spawn', () => client.start());
			step(() => this.timed('open', () => this.open(t)));
		});
		return t;
	}

	/** Opens (or re-opens) a document in the worker from the editor's current text. */
	private open(t: Tracked): void {
		t.stale = false;
		const version = t.document.version;
		t.sentVersion = version;
		t.minVersion = version;
		this.tokens()
			.openSliced(t.key, version, this.settings.value.config.lens.model, this.slices(t), this.promptOptions(t))
			.then(
				c => this.accept(t, c),
				err => this.failed(t, 'open', err),
			);
		t.opened = true;
		// A selection made before the document was in the worker is counted now.
		const editor = vscode.window.activeTextEditor;
		if (editor?.document === t.document) {
			t.selectionKey = '';
			this.refreshSelection(t, editor);
		}
	}

	/**
	 * The document's text for the worker: at once when small; else range by range, one slice per
	 * macrotask (`getText()` of a 5 MB document alone blocks the host's thread for > 10 ms). Edits made
	 * while the slices are read are not sent; the document is read again once the last slice is out.
	 */
	private slices(t: Tracked): TextSlices {
		const document = t.document;
		const version = document.version;
		const { last, length } = this.timed('length', () => {
			const end = document.lineAt(document.lineCount - 1).range.end;
			return { last: end, length: document.offsetAt(end) };
		});
		const count = Math.max(1, Math.ceil(length / readSliceChars));
		if (count === 1) {
			t.reading = false;
			return { count, read: () => document.getText() };
		}
		t.reading = true;
		t.stale = false;
		return {
			count,
			read: i => {
				const done = i === count - 1;
				if (done) t.reading = false;
				if (document.version !== version || t.stale) {
					t.stale = true;
					if (done) setTimeout(() => this.tracked.get(t.key) === t && !this.disposed && this.open(t), 0);
					return '';
				}
				return this.timed('read', () => document.getText(new vscode.Range(document.positionAt(i * readSliceChars), done ? last : document.positionAt((i + 1) * readSliceChars))));
			},
		};
	}

	private untrack(key: string): void {
		const t = this.tracked.get(key);
		if (!t) return;
		this.tracked.delete(key);
		this.exact.forget(key);
		if (this.client?.isRunning) this.client.close(key).catch(() => undefined);
		this.throttle.request();
	}

	/** Sends the current model settings of one document (default model, pick, tier models). */
	private configure(t: Tracked): Promise<void> {
		return this.tokens()
			.configurePrompt(t.key, this.settings.value.config.lens.model, this.promptOptions(t))
			.then(
				c => this.accept(t, c),
				err => this.failed(t, 'configure', err),
			);
	}

	private refreshSelection(t: Tracked, editor: vscode.TextEditor): void {
		// Not in the worker yet: `open` counts the selection once it is.
		if (!t.opened) return;
		const document = editor.document;
		const ranges: TextRange[] = editor.selections.filter(s => !s.isEmpty).map(s => ({ start: document.offsetAt(s.start), end: document.offsetAt(s.end) }));
		const key = ranges.length ? `${document.version}:${ranges.map(r => `${r.start}-${r.end}`).join(',')}` : '';
		if (key === t.selectionKey) return;
		t.selectionKey = key;
		if (!key) {
			t.selection = undefined;
			this.throttle.request();
			return;
		}
		this.tokens()
			.countRanges(t.key, document.version, ranges)
			.then(
				r =>
					this.timed('answer', () => {
						if (t.selectionKey !== key || this.tracked.get(t.key) !== t) return;
						t.selection = { key, tokens: r.counts.reduce((n, c) => n + c.tokens, 0), exact: r.counts.every(c => c.exact), ranges: r.counts.length };
						this.throttle.request();
					}),
				// A selection made while an edit is still on its way: the next event asks again.
				err => (TokenWorkerError.is(err, 'badRequest') ? undefined : this.failed(t, 'selection', err)),
			);
	}

	/** A count from the worker: kept unless it is older than the one already shown. */
	private accept(t: Tracked, c: DocumentCount): void {
		this.timed('answer', () => {
			if (this.tracked.get(t.key) !== t) return;
			if (c.version < t.minVersion || (t.count && c.version < t.count.version)) return;
			t.count = c;
			const times = t.times.get(c.version);
			if (times && times.countAt === undefined) times.countAt = now();
			this.throttle.request();
		});
	}

	private failed(t: Tracked, what: string, err: unknown): void {
		if (this.disposed || TokenWorkerError.is(err, 'disposed')) return;
		if (this.tracked.get(t.key) !== t) return;
		// A worker that cannot start fails every keystroke: log each distinct failure once a minute.
		const message = `lens: ${what} of ${t.fileName} failed: ${describeError(err)}`;
		const at = now();
		if (this.lastFailure?.message === message && at - this.lastFailure.at < 60_000) return;
		this.lastFailure = { message, at };
		this.deps.log.error(message);
	}

	private lastFailure: { readonly message: string; readonly at: number } | undefined;

	private picks(): Record<string, string> {
		const raw = this.deps.context.workspaceState.get<unknown>(pickedModelsKey);
		return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, string>) : {};
	}

	// ---------------------------------------------------------------------------------------------
	// Worker and prices

	private tokens(): TokenWorkerClient {
		if (!this.client) {
			this.client = new TokenWorkerClient({
				snapshot: docId => {
					const t = this.tracked.get(docId);
					// Re-seed a restarted worker from the editor's current text (the version it is at).
					if (!t) return undefined;
					t.minVersion = t.document.version;
					return { version: t.document.version, model: this.settings.value.config.lens.model, text: this.slices(t), prompt: this.promptOptions(t) };
				},
				onRefined: c => {
					const t = this.tracked.get(c.docId);
					if (t) this.accept(t, c);
				},
				onCrash: e => {
					this.deps.log.error(`token worker stopped (${e.message}); restarting it and re-opening the prompt files`);
					// The restarted worker has no documents: the next request re-opens from the snapshot.
					setTimeout(() => {
						const active = vscode.window.activeTextEditor?.document.uri.toString();
						const t = active === undefined ? undefined : this.tracked.get(active);
						if (t && !this.disposed) void this.configure(t);
					}, 0);
				},
			});
		}
		return this.client;
	}

	private invalidatePrices(): void {
		this.priceGeneration++;
		this.prices.clear();
		this.pricesAsked.clear();
		this.overrides = undefined;
		this.overridesSentTo = -1;
	}

	/** Asks the worker for prices not known yet; renders again when they arrive. */
	private ensurePrices(models: readonly string[]): void {
		const missing = [...new Set(models)].filter(m => !this.prices.has(m) && !this.pricesAsked.has(m));
		if (missing.length === 0) return;
		for (const m of missing) this.pricesAsked.add(m);
		const generation = this.priceGeneration;
		this.describe(missing).then(
			answers => {
				if (generation !== this.priceGeneration) return;
				answers.forEach((a, i) => this.prices.set(missing[i], a));
				this.throttle.request();
			},
			err => {
				if (generation !== this.priceGeneration) return;
				for (const m of missing) this.pricesAsked.delete(m);
				if (!TokenWorkerError.is(err, 'disposed')) this.deps.log.error(`lens: prices could not be read: ${describeError(err)}`);
			},
		);
	}

	/** Prices from the worker, with the overrides sent first to every worker it starts. */
	async describe(models: readonly string[], retry = true): Promise<readonly LensPrice[]> {
		const client = this.tokens();
		if (this.overridesSentTo !== client.starts || !client.isRunning) {
			this.overrides ??= this.settings.priceOverrides();
			await client.setPriceOverrides(await this.overrides);
			this.overridesSentTo = client.starts;
		}
		const answers = await client.describeModels(models);
		// A restart in between lost the overrides: ask again.
		if (this.overridesSentTo !== client.starts && retry) return this.describe(models, false);
		return answers;
	}

	// ---------------------------------------------------------------------------------------------
	// Rendering

	private render(): void {
		if (this.disposed) return;
		const shown = this.timed('render', () => this.renderNow());
		// Listeners (tests, the benchmark) run outside the timed part.
		if (shown) this.rendered.fire(shown);
	}

	/** Updates the item; returns the snapshot of a prompt count it shows. */
	private renderNow(): LensSnapshot | undefined {
		const item = this.deps.item;
		const editor = vscode.window.activeTextEditor;
		const t = editor ? this.tracked.get(editor.document.uri.toString()) : undefined;
		if (!t) {
			item.hide();
			this.current = undefined;
			return undefined;
		}
		const c = t.count;
		if (!c?.prompt) {
			setItem(item, { text: '$(loading~spin) counting…', tooltip: `Agent Cost Lens: counting ${t.fileName}…`, warning: false, label: 'Agent Cost Lens: counting' });
			item.show();
			return undefined;
		}
		const { config } = this.settings.value;
		const tierModels = tierNames.map(n => config.tiers[n]);
		const tiers: LensTier[] = tierNames.map((tier, i) => ({ tier, model: tierModels[i], price: this.prices.get(tierModels[i]) }));
		const exactCount: ExactCountState = this.exact.state(t.key, c);
		const selection = t.selectionKey !== '' && t.selection?.key === t.selectionKey ? t.selection : undefined;
		const view = renderLens({
			fileName: t.fileName,
			prompt: c.prompt,
			model: c.model,
			updating: c.prompt.version < t.document.version || c.version < t.sentVersion,
			...(selection && { selection }),
			exactCount,
			price: this.prices.get(c.model),
			tiers,
			maxOutputTokens: config.defaults.maxOutputTokens,
			contextWindowMax: config.contextWindowMax,
			costShown: config.lens.cost,
		});
		this.ensurePrices([c.model, ...tierModels]);
		setItem(item, { text: view.text, tooltip: view.tooltip, warning: view.warning, label: view.accessibilityLabel, markdown: true });
		item.show();
		const at = now();
		const times = t.times.get(c.version);
		if (times && times.renderAt === undefined) times.renderAt = at;
		this.current = {
			uri: t.key,
			version: c.version,
			text: view.text,
			tooltip: view.tooltip,
			warning: view.warning,
			model: c.model,
			modelSource: c.prompt.modelSource,
			format: c.prompt.format,
			tokens: view.shown.tokens,
			exact: view.shown.exact,
			promptTokens: exactCount.state === 'exact' ? exactCount.tokens : c.prompt.tokens,
			selection: view.shown.selection,
			...(view.shown.usd !== undefined && { usd: view.shown.usd }),
			at,
		};
		return this.current;
	}

	// ---------------------------------------------------------------------------------------------
	// Model pick

	/**
	 * `agentCost.lens.pickModel`: the quick pick for the active prompt file. Automation may pass
	 * `{ model: 'id' }` (or `{ model: null }` to drop the pick) and optionally `uri`.
	 */
	private async pickModel(arg?: unknown): Promise<string | undefined> {
		const given = typeof arg === 'object' && arg !== null ? (arg as { uri?: unknown; model?: unknown }) : {};
		const uri = typeof given.uri === 'string' ? given.uri : vscode.window.activeTextEditor?.document.uri.toString();
		const t = uri === undefined ? undefined : this.tracked.get(uri);
		if (!t) {
			void vscode.window.showInformationMessage('Agent Cost Lens: open a prompt file (see the setting agentCost.lens.promptGlobs) to choose the model it is priced with.');
			return undefined;
		}
		const picks = this.picks();
		let choice: { kind: 'pin'; model: string } | { kind: 'reset' } | undefined;
		if ('model' in given) {
			if (typeof given.model === 'string' && modelIdProblem(given.model)) {
				void vscode.window.showErrorMessage(`Agent Cost Lens: ${modelIdProblem(given.model)}.`);
				return undefined;
			}
			choice = typeof given.model === 'string' ? { kind: 'pin', model: given.model.trim() } : { kind: 'reset' };
		} else {
			const { config } = this.settings.value;
			const tiers = tierNames.map(tier => ({ tier, model: config.tiers[tier] }));
			const models = [...tiers.map(x => x.model), ...commonLensModels];
			let prices: ReadonlyMap<string, LensPrice> = new Map();
			try {
				const answers = await this.describe(models);
				prices = new Map(models.map((m, i) => [m, answers[i]]));
			} catch (e) {
				this.deps.log.warn(`lens: prices for the model list could not be read: ${describeError(e)}`);
			}
			choice = await pickLensModel({
				current: t.count?.model ?? config.lens.model,
				tiers,
				...(t.count?.prompt?.fileModel !== undefined && { fileModel: t.count.prompt.fileModel }),
				pinned: picks[t.key] !== undefined,
				defaultModel: config.lens.model,
				prices,
			});
		}
		if (!choice) return undefined;
		const next = { ...picks };
		delete next[t.key];
		if (choice.kind === 'pin') next[t.key] = choice.model;
		// Newest last; the oldest picks go once there are many (files long gone).
		for (const old of Object.keys(next).slice(0, Math.max(0, Object.keys(next).length - maxPicks))) delete next[old];
		await this.deps.context.workspaceState.update(pickedModelsKey, next);
		await this.configure(t);
		this.throttle.flush();
		return t.count?.model;
	}

	private timed<T>(name: string, fn: () => T): T {
		return this.stats.time(name, now, fn);
	}

	dispose(): void {
		this.disposed = true;
		this.throttle.dispose();
		this.disposables.dispose();
		this.client?.dispose();
		this.client = undefined;
		this.tracked.clear();
	}
}

function remember(times: Map<number, VersionTimes>, entry: VersionTimes): void {
	times.set(entry.version, entry);
	if (times.size > maxTimes) times.delete(times.keys().next().value as number);
}

interface ItemState {
	readonly text: string;
	readonly tooltip: string;
	readonly warning: boolean;
	readonly label: string;
	readonly markdown?: boolean;
}

const warningBackground = new vscode.ThemeColor('statusBarItem.warningBackground');

/** Sets only what changed: every property set is a message to the workbench. */
function setItem(item: vscode.StatusBarItem, next: ItemState): void {
	if (item.text !== next.text) item.text = next.text;
	const current = item.tooltip;
	const currentText = typeof current === 'string' ? current : current?.value;
	if (currentText !== next.tooltip) {
		if (next.markdown) {
			const md = new vscode.MarkdownString(next.tooltip, true);
			md.isTrusted = { enabledCommands: [...lensTooltipCommands] };
			md.supportHtml = false;
			item.tooltip = md;
		} else item.tooltip = next.tooltip;
	}
	const background = next.warning ? warningBackground : undefined;
	if (item.backgroundColor !== background) item.backgroundColor = background;
	if (item.accessibilityInformation?.label !== next.label) item.accessibilityInformation = { label: next.label };
}
