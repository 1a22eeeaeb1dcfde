/**
 * The agent session running in a workspace, followed live — the host side (no VS Code API, so the
 * benchmark drives it as the extension does). The host only watches the file and relays: which
 * file is current and its totals come from the engine worker (`sessions/current`, `sessions/tail`,
 * which reads only what was appended). An appended batch therefore costs the host one file event,
 * one message each way and a status update; `hostMs` keeps those costs for the benchmark.
 */
import { type FSWatcher, watch } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SessionFileRef, SessionFolders, SessionJobs, SessionTailResult } from '../../core/jobs/sessionJobs';
import type { PriceOverrides } from '../../core/pricing/overrides';
import type { Disposable } from '../../core/lib/disposable';

/** What the status item shows. */
export type LiveSessionState =
	| { readonly kind: 'none' }
	/** `running`: the file was written in the last few minutes. */
	| { readonly kind: 'session'; readonly tail: SessionTailResult; readonly running: boolean; readonly updatedAt: number };

export interface LiveSessionOptions {
	/** Runs an engine-worker job (the extension's one client). */
	readonly run: <K extends keyof SessionJobs & ('sessions/current' | 'sessions/tail')>(job: K, params: SessionJobs[K]['params']) => Promise<SessionJobs[K]['result']>;
	readonly workspace: string;
	readonly folders: () => SessionFolders;
	readonly timeZone: () => string;
	readonly overrides?: () => Promise<PriceOverrides | undefined>;
	/** How often to look for a newer session file of the workspace (a new session started). @default 15000 */
	readonly pollMs?: number;
	/** Appends closer together than this are read as one batch. @default 150 */
	readonly batchMs?: number;
	readonly onError?: (e: unknown) => void;
}

/** A session written in the last 5 minutes is shown as running. */
const runningWindowMs = 5 * 60 * 1000;

export class LiveSessionWatcher implements Disposable {
	private current: SessionFileRef | null = null;
	private watcher: FSWatcher | undefined;
	private poll: ReturnType<typeof setInterval> | undefined;
	private pending: ReturnType<typeof setTimeout> | undefined;
	private reading = false;
	private again = false;
	private disposed = false;
	private stateValue: LiveSessionState = { kind: 'none' };
	private readonly listeners = new Set<(s: LiveSessionState) => void>();
	/** Host-thread milliseconds spent per handled batch (file event to status update, awaiting excluded). */
	readonly hostMs: number[] = [];

	constructor(private readonly options: LiveSessionOptions) {}

	get state(): LiveSessionState {
		return this.stateValue;
	}

	onDidChange(listener: (s: LiveSessionState) => void): Disposable {
		this.listeners.add(listener);
		return { dispose: () => this.listeners.delete(listener) };
	}

	/** Looks for the current session now and keeps looking every `pollMs`. */
	async start(): Promise<void> {
		this.poll ??= setInterval(() => void this.locate(), this.options.pollMs ?? 15_000);
		this.poll.unref?.();
		await this.locate();
	}

	/** Finds the newest session file of the workspace; follows it when it changed. */
	async locate(): Promise<void> {
		if (this.disposed) return;
		try {
			const found = await this.options.run('sessions/current', { folders: this.options.folders(), workspace: this.options.workspace });
			if (this.disposed) return;
			if (found?.path !== this.current?.path) this.follow(found);
			else if (found) await this.read();
		} catch (e) {
			this.options.onError?.(e);
		}
	}

	private follow(file: SessionFileRef | null): void {
		this.watcher?.close();
		this.watcher = undefined;
		this.current = file;
		if (!file) {
			this.publish({ kind: 'none' });
			return;
		}
		try {
			// The folder, not the file: agents may replace a file, and a new session appears as a new file.
			this.watcher = watch(dirname(file.path), { persistent: false }, (_event, name) => {
				if (name && this.current && !this.current.path.endsWith(String(name))) return;
				this.schedule();
			});
		} catch (e) {
			this.options.onError?.(e);
		}
		void this.read();
	}

	private schedule(): void {
		const started = performance.now();
		if (!this.pending) this.pending = setTimeout(() => ((this.pending = undefined), void this.read()), this.options.batchMs ?? 150);
		this.hostMs.push(performance.now() - started);
	}

	/** Asks the worker for what was appended; one read at a time, the latest change always read. */
	async read(): Promise<void> {
		const file = this.current;
		if (!file || this.disposed) return;
		if (this.reading) {
			this.again = true;
			return;
		}
		this.reading = true;
		try {
			const overrides = await this.options.overrides?.();
			const tail = await this.options.run('sessions/tail', { file, timeZone: this.options.timeZone(), ...(overrides && { overrides }) });
			if (this.disposed || this.current?.path !== file.path) return;
			const started = performance.now();
			this.publish({ kind: 'session', tail, running: Date.now() - tail.modifiedMs < runningWindowMs, updatedAt: Date.now() });
			this.hostMs.push(performance.now() - started);
		} catch (e) {
			this.options.onError?.(e);
		} finally {
			this.reading = false;
			if (this.again) {
				this.again = false;
				void this.read();
			}
		}
	}

	private publish(s: LiveSessionState): void {
		this.stateValue = s;
		for (const l of this.listeners) l(s);
	}

	dispose(): void {
		this.disposed = true;
		this.watcher?.close();
		if (this.poll) clearInterval(this.poll);
		if (this.pending) clearTimeout(this.pending);
		this.listeners.clear();
	}
}
