/**
 * The `input` of a gateway call in its recording, written as a delta where it can be: an agent
 * resends its whole history every step, so a run of N steps recorded in full grows with N². When
 * a call's prompt is the previous prompt of a thread plus that call's answer plus new messages, only
 * the new messages are written (`kind: 'delta'`, which every reader expands along the thread);
 * otherwise the prompt is written in full and starts a new thread. Threads keep side requests (a
 * title, a summary, a subagent) from breaking the main conversation's chain.
 */
import { fastHash } from '../lib/fastHash';
import { outputMessage } from '../transcripts/messageShapes';
import type { CallInput, CallOutput, TranscriptMessage } from '../transcripts/model';
import type { ToolDefinitionLike } from '../tokens/types';

interface Thread {
	readonly name: string;
	/** Keys of the last prompt of the thread followed by its answer. */
	expected: number[];
	tools: number;
}

/** Longer texts are recognized by their length, head and tail: hashing a 1 MB answer whole costs milliseconds per call. */
const hashedChars = 8192;

function keyOf(m: Pick<TranscriptMessage, 'role' | 'content'>): number {
	// Tool calls are left out on purpose: an agent re-serializes their arguments (spacing, key
	// order), and the answer's text plus the call ids are enough to recognize a continuation.
	const text = m.content.trim();
	const sample = text.length <= hashedChars ? text : `${text.length}\u0000${text.slice(0, hashedChars / 2)}\u0000${text.slice(-hashedChars / 2)}`;
	return fastHash(`${m.role === 'developer' ? 'system' : m.role}\u0000${sample}`);
}

function toolsKey(tools: readonly ToolDefinitionLike[] | undefined): number {
	return tools?.length ? fastHash(JSON.stringify(tools)) : 0;
}

/** At most this many threads per run are remembered (older ones can no longer be continued). */
const maxThreads = 16;

export class RecordedInputs {
	private readonly threads: Thread[] = [];
	private count = 0;

	/** The thread and input to record for a call; call {@link answered} once its output is known. */
	place(messages: readonly TranscriptMessage[], tools: readonly ToolDefinitionLike[] | undefined): { readonly thread: string; readonly input: CallInput; readonly keys: number[] } {
		const keys = messages.map(keyOf);
		const tk = toolsKey(tools);
		// The longest matching chain wins: a short side thread must not capture the main one.
		let best: Thread | undefined;
		for (const t of this.threads) {
			if (t.expected.length === 0 || t.expected.length > keys.length) continue;
			if (t.expected.every((k, i) => keys[i] === k) && (!best || t.expected.length > best.expected.length)) best = t;
		}
		if (best) {
			const input: CallInput = { kind: 'delta', messages: messages.slice(best.expected.length), ...(tk !== best.tools && tools?.length ? { tools } : {}) };
			best.tools = tk;
			return { thread: best.name, input, keys };
		}
		const name = this.count === 0 ? 'main' : `thread-${this.count + 1}`;
		this.count++;
		const t: Thread = { name, expected: [], tools: tk };
		this.threads.unshift(t);
		if (this.threads.length > maxThreads) this.threads.pop();
		return { thread: name, input: { kind: 'full', messages, ...(tools?.length ? { tools } : {}) }, keys };
	}

	/** The thread's next prompt is expected to start with this prompt and its answer. */
	answered(thread: string, promptKeys: number[], output: CallOutput | undefined): void {
		const t = this.threads.find(x => x.name === thread);
		if (!t) return;
		t.expected = output ? [...promptKeys, keyOf(outputMessage(output))] : promptKeys;
	}
}
