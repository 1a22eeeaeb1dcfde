/**
 * Aider chat history Markdown (`.aider.chat.history.md`, and the published transcripts on
 * aider.chat). `#### ` lines are the user's prompt, `> ` lines aider's own output, everything else
 * the assistant's reply. Each LLM call prints one usage line,
 * `> Tokens: 2.4k sent, 1.2k cache write, 8k cache hit, 104 received. Cost: $0.00042 message, $0.0012 session.`
 * whose counts are ROUNDED (aider's `format_tokens`: 1 decimal below 10k, whole k above) — calls
 * carry `usageSource: 'rounded'` with the exact bounds. Files without usage lines (the website
 * transcripts) get one counted call per assistant reply.
 */
import { zeroUsage, type Usage } from '../pricing/usage';
import { TranscriptImportError } from './importErrors';
import { type ImportOptions, modelForCounting, plainUsage, PromptCounter, RunningPromptCounter, TranscriptBuilder, throwIfAborted } from './importSupport';
import type { RecordedTotals, Transcript, TranscriptMessage, UsageRange } from './model';

/**
 * Tracks Markdown code fences the CommonMark way (``` or ~~~, at most 3 spaces in, a backtick fence's
 * info string has no backticks, the closing fence is as long and has no info string), so inline
 * code like "```` ```bash ````" does not open a fence.
 */
class FenceTracker {
	private open?: string;

	get inside(): boolean {
		return this.open !== undefined;
	}

	/** Feeds one line; returns true when it is a fence line. */
	line(text: string): boolean {
		const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(text);
		if (!m || (m[1]![0] === '`' && m[2]!.includes('`'))) return false;
		if (this.open === undefined) this.open = m[1];
		else if (m[1]![0] === this.open[0] && m[1]!.length >= this.open.length && m[2]!.trim() === '') this.open = undefined;
		else return false;
		return true;
	}

	reset(): void {
		this.open = undefined;
	}
}

/**
 * True when the text looks like an aider chat history: a session header or a usage line outside
 * code fences (a document that merely quotes the format in a fenced example does not count), or a
 * published transcript (`<div class="chat-transcript">` with prompts).
 */
export function looksLikeAider(text: string): boolean {
	if (/^<div class="chat-transcript"/m.test(text) && /^#### /m.test(text)) return true;
	const fence = new FenceTracker();
	for (const line of text.split('\n', 20_000)) {
		if (fence.line(line)) continue;
		if (!fence.inside && (line.startsWith('# aider chat started at ') || /^> Tokens: [\d.,]+[kM]? sent/.test(line))) return true;
	}
	return false;
}

/** A rounded count as aider prints it ("2.4k", "10k", "1,234", "104") → value and bounds. */
export function parseRoundedCount(text: string): { value: number; low: number; high: number } | undefined {
	const m = /^(\d[\d,]*(?:\.(\d+))?)([kM]?)$/.exec(text.trim());
	if (!m) return undefined;
	const unit = m[3] === 'k' ? 1_000 : m[3] === 'M' ? 1_000_000 : 1;
	const value = Number(m[1]!.replace(/,/g, '')) * unit;
	if (!Number.isFinite(value) || value > 1e12) return undefined;
	if (unit === 1) return { value, low: value, high: value };
	const decimals = m[2]?.length ?? 0;
	const half = 0.5 * 10 ** -decimals * unit;
	// Python rounds half to even, so both bounds may be hit; integers inside [v - half, v + half].
	return { value: Math.round(value), low: Math.max(0, Math.ceil(value - half)), high: Math.floor(value + half) };
}

/** A printed dollar amount and the rounding tolerance implied by its decimals. */
function parseCost(text: string): { value: number; tolerance: number } | undefined {
	const m = /^\$?(\d+(?:\.(\d+))?)$/.exec(text.trim());
	if (!m) return undefined;
	const value = Number(m[1]);
	if (!Number.isFinite(value)) return undefined;
	return { value, tolerance: 0.5 * 10 ** -(m[2]?.length ?? 0) };
}

interface TokenLine {
	readonly sent: NonNullable<ReturnType<typeof parseRoundedCount>>;
	readonly write?: NonNullable<ReturnType<typeof parseRoundedCount>>;
	readonly hit?: NonNullable<ReturnType<typeof parseRoundedCount>>;
	readonly received: NonNullable<ReturnType<typeof parseRoundedCount>>;
}

const tokensRe = /^Tokens: ([\d.,]+[kM]?) sent(?:, ([\d.,]+[kM]?) cache write)?(?:, ([\d.,]+[kM]?) cache hit)?, ([\d.,]+[kM]?) received\./;
const costRe = /Cost: (\$[\d.]+) message, (\$[\d.]+) session\./;

function parseTokenLine(text: string): TokenLine | undefined {
	const m = tokensRe.exec(text);
	if (!m) return undefined;
	const sent = parseRoundedCount(m[1]!);
	const received = parseRoundedCount(m[4]!);
	if (!sent || !received) return undefined;
	const write = m[2] !== undefined ? parseRoundedCount(m[2]) : undefined;
	const hit = m[3] !== undefined ? parseRoundedCount(m[3]) : undefined;
	return { sent, received, ...(write && { write }), ...(hit && { hit }) };
}

/**
 * Aider prints `sent` = LiteLLM's prompt_tokens, plus the cache writes again when the response has
 * cache fields; current LiteLLM already includes reads and writes in prompt_tokens, so the writes
 * are taken back out. Cache reads and writes are parts of the total.
 */
function usageFrom(t: TokenLine, pick: 'value' | 'low' | 'high'): Usage {
	const write = t.write?.[pick] ?? 0;
	const hit = t.hit?.[pick] ?? 0;
	const input = Math.max(t.sent[pick] - write, hit + write);
	return { ...zeroUsage, input, cacheRead: hit, cacheWrite5m: write, output: t.received[pick] };
}

type Kind = 'session' | 'prompt' | 'aider' | 'text' | 'blank';

interface Line {
	readonly kind: Kind;
	readonly text: string;
	readonly lineNo: number;
}

/**
 * Aider writes each piece of its own output with one `append_chat_history` call: `> ` before the
 * FIRST line only, and (in a raw `.aider.chat.history.md`) two trailing spaces after the last. A
 * multi-line shell command, lint error or git output therefore continues on lines without `> `.
 * User prompts (`#### `) and assistant replies are written with a leading newline, so a line that
 * directly follows aider output — no empty line between — can only be the rest of that output.
 */
interface AiderBlockState {
	/** The last line belongs to aider output. */
	readonly open: boolean;
	/** That output's final line (two trailing spaces) has not been seen yet. */
	readonly unterminated: boolean;
}

/** Lines that start something else: aider output, a prompt, a session, the website's wrappers. */
function isBoundary(raw: string): boolean {
	return raw.startsWith('>') || /^####(?: |$)/.test(raw.trimEnd()) || raw.startsWith('# aider chat started at ') || /^\s*<\/?div\b/.test(raw);
}

/** How far an unterminated aider output is looked for its last line across empty lines. */
const maxOutputLookahead = 400;

/** True when a line with aider's two-space line end comes before the next boundary. */
function terminatorAhead(lines: readonly string[], from: number): boolean {
	for (let j = from; j < lines.length && j < from + maxOutputLookahead; j++) {
		if (isBoundary(lines[j]!)) return false;
		if (lines[j]!.endsWith('  ') && lines[j]!.trim() !== '') return true;
	}
	return false;
}

/** Raw histories end every aider line with two spaces; hand-edited transcripts (the website's) do not. */
function marksLineEnds(lines: readonly string[]): boolean {
	const aider = lines.filter(l => l.startsWith('> '));
	return aider.length > 0 && aider.filter(l => l.endsWith('  ')).length >= 0.8 * aider.length;
}

function classify(lines: readonly string[]): Line[] {
	const out: Line[] = [];
	const fence = new FenceTracker();
	const endsMarked = marksLineEnds(lines);
	let block: AiderBlockState = { open: false, unterminated: false };
	const after = (raw: string): AiderBlockState => ({ open: true, unterminated: endsMarked && !raw.endsWith('  ') });
	let start = 0;
	// Published transcripts wrap the chat in <div class="chat-transcript"> blocks; the prose around them is not chat.
	const wrapped = lines.some(l => /^<div class="chat-transcript"/.test(l));
	let inside = !wrapped;
	// Jekyll front matter of the website transcripts.
	if (lines[0]?.trim() === '---') {
		const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
		if (end > 0) start = end + 1;
	}
	for (let i = start; i < lines.length; i++) {
		const raw = lines[i]!;
		const lineNo = i + 1;
		if (!fence.inside && /^# aider chat started at /.test(raw)) {
			out.push({ kind: 'session', text: raw.slice('# aider chat started at '.length).trim(), lineNo });
			continue;
		}
		if (/^\s*<\/?div\b[^>]*>\s*$/.test(raw)) {
			if (wrapped) inside = /chat-transcript/.test(raw);
			continue;
		}
		if (!inside) continue;
		if (block.open && !isBoundary(raw)) {
			// The rest of a multi-line aider output: any non-empty line (padding-only lines included),
			// and an empty line while the output's last line (two trailing spaces) is still to come.
			if (raw !== '' || (block.unterminated && terminatorAhead(lines, i + 1))) {
				out.push({ kind: 'aider', text: raw.trimEnd(), lineNo });
				if (raw !== '') block = after(raw);
				continue;
			}
		}
		block = { open: false, unterminated: false };
		if (!fence.inside && (raw.startsWith('#### ') || raw.trimEnd() === '####')) {
			out.push({ kind: 'prompt', text: raw.replace(/^####\s?/, '').trimEnd(), lineNo });
			continue;
		}
		// A usage line inside an unclosed fence means the reply's fences were unbalanced: it is aider's.
		if (fence.inside && raw.startsWith('> Tokens: ')) fence.reset();
		// `>>>>>>> REPLACE` ends an edit block in the reply; aider output is `> …` or a bare `>`.
		if (!fence.inside && raw.startsWith('>') && !raw.startsWith('>>>>>>>')) {
			out.push({ kind: 'aider', text: raw.replace(/^>\s?/, '').trimEnd(), lineNo });
			block = after(raw);
			continue;
		}
		if (raw.trim() === '' && !fence.inside) {
			out.push({ kind: 'blank', text: '', lineNo });
			continue;
		}
		fence.line(raw);
		out.push({ kind: 'text', text: raw, lineNo });
	}
	return out;
}

interface Session {
	model: string;
	startedAt?: string;
	lastSessionCost?: { value: number; tolerance: number };
}

type Cost = { value: number; tolerance: number };

/** Output the user chose to add to the chat (/run, /test, lint results) is sent with the next prompt. */
function addedToChat(block: readonly string[]): boolean {
	return block.some(l => /to the chat\?\s*(?:\(.*\)\s*)?(?:\[.*\]:?\s*)?(y|yes)\s*$/i.test(l) || /^Added .* to the chat/.test(l));
}

/**
 * Aider summarizes older chat history once it exceeds `max_chat_history_tokens` =
 * min(max(context window / 16, 1024), 8192) (aider/models.py), so a count of the visible history is
 * a lower bound of what was sent only while that history stays at or under 1,024 tokens.
 */
const aiderMinSummaryThreshold = 1024;

/** `/clear` and `/reset` drop the chat history: the next call starts from a fresh history. */
function clearsHistory(prompt: string): boolean {
	return /^\/(?:clear|reset)\b/.test(prompt.trim());
}

/** What a prompt sends to the model: in-chat commands (/run, /add, /undo…) send nothing themselves; /ask, /code, /architect send their text. */
function sentPrompt(prompt: string): string | undefined {
	if (prompt.trim() === '') return undefined;
	const command = /^\/([a-z-]+)\s*/.exec(prompt);
	if (!command) return prompt;
	return ['ask', 'code', 'architect', 'context'].includes(command[1]!) ? prompt.slice(command[0].length) : undefined;
}

export function importAider(text: string, options: ImportOptions): Transcript {
	const classified = classify(text.split(/\r?\n/));
	if (!classified.some(l => l.kind === 'prompt' || l.kind === 'session' || (l.kind === 'aider' && tokensRe.test(l.text)))) {
		throw new TranscriptImportError('badStructure', 'no aider session header, prompt (#### …) or usage line (> Tokens: …) found', { file: options.file, format: 'aider' });
	}
	const b = new TranscriptBuilder('aider', options);
	const hasTokenLines = classified.some(l => l.kind === 'aider' && tokensRe.test(l.text));
	const pc = new PromptCounter(options.counter);
	const running = new RunningPromptCounter(pc);
	const sessions: Session[] = [];
	let session: Session | undefined;
	let prompt: string[] = [];
	let pendingInput: TranscriptMessage[] = [];
	let reply: string[] = [];
	let replyLine: number | undefined;
	let aiderBlock: string[] = [];
	let orphans = 0;
	let countedExact = true;
	// Each aider session, and each /clear or /reset, starts a new chat history (its own running count).
	let history = 0;
	let fresh = true;
	let historyTokens = 0;
	let countedBounded = 0;
	let countedUnbounded = 0;
	const newHistory = () => {
		history++;
		fresh = true;
		historyTokens = 0;
		pendingInput = [];
	};

	const flushPrompt = () => {
		const text = prompt.join('\n');
		prompt = [];
		if (clearsHistory(text)) {
			newHistory();
			return;
		}
		const sent = sentPrompt(text);
		if (sent !== undefined) pendingInput.push({ role: 'user', content: sent });
	};
	const flushAiderBlock = () => {
		if (addedToChat(aiderBlock)) pendingInput.push({ role: 'user', content: aiderBlock.join('\n'), observation: true });
		aiderBlock = [];
	};
	const replyPending = () => reply.some(l => l.trim() !== '');
	const emit = (tokens: TokenLine | undefined, cost: Cost | undefined, lineNo: number) => {
		flushPrompt();
		const model = session?.model || options.model || '';
		const countModel = modelForCounting(model);
		const input = { kind: fresh ? ('full' as const) : ('delta' as const), messages: pendingInput, unrecorded: "aider's system prompt, repo map and the files in the chat" };
		pendingInput = [];
		fresh = false;
		const textOut = reply.join('\n').trim();
		reply = [];
		const thread = `chat ${history}`;
		const earlier = historyTokens;
		const p = running.prompt(thread, countModel, input);
		const reply$ = { role: 'assistant', content: textOut };
		running.addOutput(thread, countModel, reply$);
		historyTokens = p.tokens + pc.message(countModel, reply$).tokens;
		const bounded = earlier <= aiderMinSummaryThreshold;
		let usage: Usage;
		let range: UsageRange | undefined;
		if (tokens) {
			usage = usageFrom(tokens, 'value');
			range = { low: usageFrom(tokens, 'low'), high: usageFrom(tokens, 'high') };
		} else {
			const o = pc.text(countModel, textOut);
			countedExact &&= p.exact && o.exact;
			usage = plainUsage(p.tokens, o.tokens);
			if (bounded) countedBounded++;
			else countedUnbounded++;
		}
		b.addCall({
			model,
			modelSource: session?.model ? 'recorded' : options.model ? 'option' : 'unknown',
			thread: 'main',
			input,
			output: { text: textOut, toolCalls: [] },
			...(session?.startedAt !== undefined && { startedAt: session.startedAt }),
			usage,
			usageSource: tokens ? 'rounded' : 'counted',
			usageExact: false,
			...(range !== undefined && { usageRange: range }),
			...(!tokens && {
				usageNotes: [
					bounded
						? `counted with the ${countModel} tokenizer from the visible chat only; aider's system prompt, repo map and files are not in the transcript (lower bound)`
						: `counted with the ${countModel} tokenizer from the visible chat (estimate, not a bound): the earlier chat is over ${aiderMinSummaryThreshold.toLocaleString('en-US')} tokens, which aider may have summarized before sending, while its system prompt, repo map and files are missing`,
				],
			}),
			...(cost !== undefined && { recordedCostUsd: cost.value, recordedCostTolerance: cost.tolerance }),
			line: replyLine ?? lineNo,
		});
		replyLine = undefined;
	};
	/** A reply that ended without a usage line: one call, counted (in files that have usage lines: an orphan). */
	const closeReply = (lineNo: number) => {
		// Text with nothing sent before it (prose before the first prompt) is not a reply.
		if (!replyPending() || (!hasTokenLines && prompt.length === 0 && pendingInput.length === 0)) {
			reply = [];
			return;
		}
		if (hasTokenLines) orphans++;
		emit(undefined, undefined, lineNo);
	};

	let lastKind: Kind | undefined;
	for (let i = 0; i < classified.length; i++) {
		if (i % 4096 === 0) throwIfAborted(options.signal);
		const l = classified[i]!;
		if (l.kind === 'blank') {
			if (reply.length > 0) reply.push('');
			continue;
		}
		if (l.kind !== 'aider' && lastKind === 'aider') flushAiderBlock();
		if (l.kind === 'session') {
			closeReply(l.lineNo);
			flushPrompt();
			newHistory();
			const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})/.exec(l.text);
			// Local time without a zone: taken as UTC so results do not depend on the machine.
			sessions.push((session = { model: '', ...(m && { startedAt: `${m[1]}T${m[2]}Z` }) }));
		} else if (l.kind === 'prompt') {
			closeReply(l.lineNo);
			prompt.push(l.text);
		} else if (l.kind === 'aider') {
			const tokens = parseTokenLine(l.text);
			if (tokens) {
				let costMatch = costRe.exec(l.text);
				// With both cache hits and writes aider prints the cost on the next line.
				if (!costMatch && classified[i + 1]?.kind === 'aider') {
					costMatch = costRe.exec(classified[i + 1]!.text);
					if (costMatch) i++;
				}
				const sessionCost = costMatch ? parseCost(costMatch[2]!) : undefined;
				if (sessionCost) {
					if (!session) sessions.push((session = { model: '' }));
					session.lastSessionCost = sessionCost;
				}
				flushAiderBlock();
				emit(tokens, costMatch ? parseCost(costMatch[1]!) : undefined, l.lineNo);
			} else {
				const model = /^(?:Main model|Model): (\S+)/.exec(l.text);
				if (model) {
					if (!session) sessions.push((session = { model: '' }));
					session.model = model[1]!;
				}
				// Without usage lines, aider output after a reply closes it.
				if (lastKind === 'text' && !hasTokenLines) closeReply(l.lineNo);
				flushPrompt();
				aiderBlock.push(l.text);
			}
		} else {
			// Assistant text: the reply to the prompt (and any chat-added output) before it.
			if (!replyPending()) replyLine = l.lineNo;
			reply.push(l.text);
		}
		lastKind = l.kind;
	}
	if (lastKind === 'aider') flushAiderBlock();
	closeReply(classified[classified.length - 1]?.lineNo ?? 1);
	if (b.calls.length === 0) throw new TranscriptImportError('badStructure', 'the chat history has no assistant reply, so no LLM call', { file: options.file, format: 'aider' });
	const rounded = b.calls.filter(c => c.usageSource === 'rounded').length;
	const counted = b.calls.length - rounded;
	if (rounded > 0) {
		b.warn('roundedUsage', `aider prints rounded token counts (e.g. 2.4k): ${rounded} call(s) use the printed values; the exact counts lie within the rounding (see usageRange)`);
	}
	if (counted > 0) {
		b.warn(
			'countedUsage',
			(hasTokenLines
				? `${orphans} assistant repl${orphans === 1 ? 'y has' : 'ies have'} no usage line: counted from the visible chat`
				: `the transcript has no usage lines: ${counted} calls counted with the ${modelForCounting(b.calls[0]?.model ?? '')} tokenizer${countedExact ? '' : ' (estimate)'} from the visible chat only — aider's system prompt, repo map and files are not in it`) +
				(countedUnbounded === 0
					? ', so input is a lower bound'
					: `; input is a lower bound for ${countedBounded} of them, an estimate for ${countedUnbounded} whose earlier chat exceeds ${aiderMinSummaryThreshold.toLocaleString('en-US')} tokens (aider may summarize it before sending)`),
		);
	}
	if (b.calls.some(c => c.model === '')) b.warn('modelUnknown', 'the transcript names no model (no "> Model:" line): no price applied (pass --model)');
	let recordedTotals: RecordedTotals | undefined;
	const sessionCosts = sessions.map(x => x.lastSessionCost).filter((c): c is Cost => c !== undefined);
	if (sessionCosts.length > 0) {
		recordedTotals = {
			source: 'the last "session" cost of each aider session',
			costUsd: sessionCosts.reduce((sum, c) => sum + c.value, 0),
			costTolerance: sessionCosts.reduce((sum, c) => sum + c.tolerance, 0),
		};
	}
	const startedAt = sessions.find(x => x.startedAt !== undefined)?.startedAt;
	return b.finish({ agent: 'aider', ...(recordedTotals !== undefined && { recordedTotals }), ...(startedAt !== undefined && { startedAt }) });
}
