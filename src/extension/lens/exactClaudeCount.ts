import * as vscode from 'vscode';
import type { EngineJobs } from '../../core/jobs/engineJobs';
import { EngineJobError } from '../../core/jobs/jobProtocol';
import type { ExactCountState } from '../../core/lens/lensView';
import { describeError } from '../../core/lib/errors';
import type { DocumentCount } from '../../core/lens/workerProtocol';
import type { JobWorkerClient } from '../../node/jobWorkerClient';
import { runLiveJob } from '../../node/liveJobClient';
import type { TokenWorkerClient } from '../../node/tokenWorkerClient';
import type { Secrets } from '../secrets';
import type { LensSettings } from './lensSettings';

export interface ExactClaudeCountsDeps {
	readonly secrets: Secrets;
	readonly settings: LensSettings;
	readonly log: vscode.LogOutputChannel;
	/** The shared engine worker, which runs `tokens/countExact` (Anthropic's countTokens API). */
	readonly engine: () => JobWorkerClient<EngineJobs>;
	readonly tokens: () => TokenWorkerClient;
	/** The newest count the lens holds for a document (undefined once it is closed). */
	readonly current: (docId: string) => DocumentCount | undefined;
	/** A document's exact-count state changed: render again. */
	readonly changed: (docId: string) => void;
	/** Quiet time after the last edit before asking Anthropic. */
	readonly delayMs?: number;
}

interface Entry {
	/** `version:model` the entry is for. */
	readonly key: string;
	state: ExactCountState;
	timer?: ReturnType<typeof setTimeout>;
	abort?: AbortController;
}

/**
 * The opt-in exact Claude count (`agentCost.tokens.exactClaudeCount` + an Anthropic key in
 * SecretStorage): once typing pauses, the prompt's messages (from the token worker) go to the
 * engine worker's `tokens/countExact` job, which asks Anthropic's countTokens API; the key is
 * handed over for that one call and never kept here. The answer holds only for the version it was
 * asked for: any edit falls back to the estimate until the next pause.
 */
export class ExactClaudeCounts implements vscode.Disposable {
	private readonly entries = new Map<string, Entry>();
	private hasKey: boolean | undefined;
	private keyCheck: Promise<void> | undefined;
	private readonly loggedFailures = new Set<string>();
	private readonly keyListener: vscode.Disposable;

	constructor(private readonly deps: ExactClaudeCountsDeps) {
		this.keyListener = deps.secrets.onDidChange(e => {
			if (!e.key.includes('anthropic')) return;
			this.hasKey = undefined;
			for (const [docId, entry] of this.entries) if (entry.state.state === 'failed') this.forget(docId);
			for (const docId of this.entries.keys()) deps.changed(docId);
		});
	}

	/** What the lens shows about the exact count of `count`; asks for one when typing has paused. */
	state(docId: string, count: DocumentCount): ExactCountState {
		if (count.prompt?.method !== 'claude-estimate') return { state: 'notApplicable' };
		// Restricted Mode: nothing is sent out, whatever the setting says.
		if (!this.deps.settings.value.config.tokens.exactClaudeCount || !vscode.workspace.isTrusted) return { state: 'off' };
		if (this.hasKey === undefined) {
			this.keyCheck ??= Promise.resolve(this.deps.secrets.has('anthropic')).then(
				has => {
					this.hasKey = has;
					this.keyCheck = undefined;
					this.deps.changed(docId);
				},
				() => {
					this.hasKey = false;
					this.keyCheck = undefined;
				},
			);
			return { state: 'pending' };
		}
		if (!this.hasKey) return { state: 'noKey' };
		const key = `${count.version}:${count.model}`;
		const entry = this.entries.get(docId);
		if (entry?.key === key) return entry.state;
		this.forget(docId);
		const fresh: Entry = { key, state: { state: 'pending' } };
		fresh.timer = setTimeout(() => void this.ask(docId, fresh, count.version, count.model), this.deps.delayMs ?? 1500);
		this.entries.set(docId, fresh);
		return fresh.state;
	}

	forget(docId: string): void {
		const entry = this.entries.get(docId);
		if (!entry) return;
		if (entry.timer) clearTimeout(entry.timer);
		entry.abort?.abort();
		this.entries.delete(docId);
	}

	/** Settings changed: every state is asked for again. */
	reset(): void {
		for (const docId of [...this.entries.keys()]) this.forget(docId);
	}

	private async ask(docId: string, entry: Entry, version: number, model: string): Promise<void> {
		entry.timer = undefined;
		const stillCurrent = () => this.entries.get(docId) === entry && this.deps.current(docId)?.version === version;
		if (!stillCurrent()) return;
		const controller = new AbortController();
		entry.abort = controller;
		try {
			const request = await this.deps.tokens().promptRequest(docId);
			if (request.version !== version || !stillCurrent()) return;
			const result = await runLiveJob(
				this.deps.engine(),
				'tokens/countExact',
				{ config: this.deps.settings.value.config, model, messages: request.messages, ...(request.tools && { tools: request.tools }) },
				{ keys: this.deps.secrets, signal: controller.signal, onKeyError: provider => this.deps.log.warn(`the ${provider} key could not be handed to the engine worker`) },
			);
			if (this.entries.get(docId) !== entry) return;
			entry.state = { state: 'exact', tokens: result.tokens };
		} catch (e) {
			if (this.entries.get(docId) !== entry || controller.signal.aborted) return;
			const message = EngineJobError.is(e) && e.original ? e.original.message : describeError(e);
			entry.state = { state: 'failed', message };
			if (!this.loggedFailures.has(message)) {
				this.loggedFailures.add(message);
				this.deps.log.warn(`exact Claude count failed: ${message}`);
			}
		} finally {
			entry.abort = undefined;
		}
		this.deps.changed(docId);
	}

	dispose(): void {
		this.reset();
		this.keyListener.dispose();
	}
}
