// Agent sessions benchmarks, side by side with ccusage. Run: npm run bench:sessions (builds the
// product first if dist/ is missing; installs bench/ccusage — ccusage and its linux-x64 native
// binary, pinned — on first use). Writes bench/results/sessions.json + .md.
//  1. Whole process, `agent-cost sessions --json` vs `ccusage claude session --json`, on a ≈100 MB
//     history of real Claude Code sessions (the shared ones and the ones the real CLI wrote for the
//     fixtures) with new ids per base session, each copied by resumes and forks the way Claude Code
//     copies them (same message and request ids under a new session), so dedupe matters. Targets:
//     ≤ 1.5× ccusage's wall time, ≤ 2× its peak RSS, the same input / cache-read / cache-write totals.
//  2. Tailing a growing 50 MB session file through the real engine worker, as the status item
//     does: extension-host (main thread) time per appended batch ≤ 5 ms.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEngineWorkerClient } from '../src/node/engineWorkerClient';
import { claudeProjectFolder } from '../src/node/sessions/currentSession';
import { LiveSessionWatcher } from '../src/node/sessions/liveSession';
import { repoRoot, transcriptsDir } from '../test/support/paths';
import { readClaudeLines, renumberClaudeLine } from './support/claudeLines';

const root = repoRoot();
const tmp = join(root, 'bench', '.tmp', 'sessions');
const ccusageDir = join(root, 'bench', 'ccusage');
const ccusage = join(ccusageDir, 'node_modules', '.bin', 'ccusage');
const ccusageNative = join(ccusageDir, 'node_modules', '@ccusage', 'ccusage-linux-x64', 'bin', 'ccusage');
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

function ensureTools(): void {
	if (!existsSync(join(root, 'dist', 'cli.js')) || !existsSync(join(root, 'dist', 'sessionsCli.js')) || !existsSync(join(root, 'dist', 'engineWorker.js'))) {
		execFileSync(process.execPath, ['esbuild.mjs', '--no-tests'], { cwd: root, stdio: 'inherit' });
	}
	if (!existsSync(ccusage) || !existsSync(ccusageNative)) execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: ccusageDir, stdio: 'inherit' });
}

/**
 * 19 base sessions of ≈`baseBytes` each (the real lines with ids suffixed per base session), and
 * per base 12 resumed copies (every line, new session id) and 12 forks (the first 60 %, new
 * session id) — written after the originals, as Claude Code writes them.
 */
function buildCorpus(dir: string, targetBytes: number): { bytes: number; files: number; sessions: number } {
	rmSync(dir, { recursive: true, force: true });
	const all = readClaudeLines(join(transcriptsDir(), 'claude_code'), join(root, 'test', 'fixtures', 'agent-sessions', 'claude'));
	const bases = 19;
	const copiesPerBase = 12 + 12 * 0.6;
	// Each base session: the real lines, repeated with new ids as often as needed, cut at the size
	// that makes the whole history ≈ targetBytes.
	const baseBytes = targetBytes / (bases * (1 + copiesPerBase));
	let bytes = 0;
	let files = 0;
	const t0 = Date.UTC(2026, 5, 1);
	for (let b = 0; b < bases; b++) {
		const project = join(dir, 'projects', `-home-dev-project-${b % 5}`);
		mkdirSync(project, { recursive: true });
		const id = (n: number) => `00000000-0000-4000-8000-${String(b).padStart(4, '0')}${String(n).padStart(8, '0')}`;
		const base: Record<string, unknown>[] = [];
		for (let size = 0, i = 0; size < baseBytes; i++) {
			const text = renumberClaudeLine(all[i % all.length], `-b${b}k${Math.floor(i / all.length)}`, id(0));
			base.push(JSON.parse(text) as Record<string, unknown>);
			size += text.length + 1;
		}
		const write = (name: string, records: readonly Record<string, unknown>[], sessionId: string, at: number) => {
			const path = join(project, `${name}.jsonl`);
			const fd = openSync(path, 'w');
			for (const r of records) {
				const text = JSON.stringify({ ...r, sessionId }) + '\n';
				writeSync(fd, text);
				bytes += Buffer.byteLength(text);
			}
			closeSync(fd);
			utimesSync(path, new Date(at), new Date(at));
			files++;
		};
		write(id(0), base, id(0), t0 + b * 3_600_000);
		for (let c = 1; c <= 24; c++) {
			const forked = c > 12;
			write(id(c), forked ? base.slice(0, Math.floor(base.length * 0.6)) : base, id(c), t0 + b * 3_600_000 + c * 60_000);
		}
	}
	return { bytes, files, sessions: bases };
}

interface Measured {
	readonly wallMs: number;
	readonly peakRssMb: number;
	readonly stdout: string;
}

/** Runs a command to completion; wall time and peak RSS from GNU time when present, else /proc sampling. */
function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv): Measured {
	const gnuTime = existsSync('/usr/bin/time');
	const started = performance.now();
	const r = gnuTime
		? spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 })
		: spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
	const wallMs = performance.now() - started;
	if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
	const kb = gnuTime ? Number(r.stderr.trim().split('\n').pop()) : NaN;
	return { wallMs, peakRssMb: kb / 1024, stdout: r.stdout };
}

interface Totals {
	readonly input: number;
	readonly cacheRead: number;
	readonly cacheWrite: number;
	readonly output: number;
	readonly calls?: number;
	readonly costUsd: number | null;
}

function oursTotals(stdout: string): Totals {
	const t = (
		JSON.parse(stdout) as { totals: { calls: number; usage: { input: number; cacheRead: number; cacheWrite: number; output: number }; computedCostUsd: number | null; outputAsRecorded: number } }
	).totals;
	return { input: t.usage.input, cacheRead: t.usage.cacheRead, cacheWrite: t.usage.cacheWrite, output: t.usage.output, calls: t.calls, costUsd: t.computedCostUsd };
}

function ccusageTotals(stdout: string): Totals {
	const t = (JSON.parse(stdout) as { totals: { inputTokens: number; cacheReadTokens: number; cacheCreationTokens: number; outputTokens: number; totalCost: number } }).totals;
	// ccusage's inputTokens exclude the cache; ours is the whole prompt.
	return { input: t.inputTokens + t.cacheReadTokens + t.cacheCreationTokens, cacheRead: t.cacheReadTokens, cacheWrite: t.cacheCreationTokens, output: t.outputTokens, costUsd: t.totalCost };
}

const tailWorkspace = '/home/dev/tail-bench';

/** Writes the 50 MB session the tail benchmark grows (in the parent, so the measured process starts clean). */
function buildTailSession(dir: string): void {
	const project = join(dir, 'projects', claudeProjectFolder(tailWorkspace));
	mkdirSync(project, { recursive: true });
	const lines = readClaudeLines(join(transcriptsDir(), 'claude_code'), join(root, 'test', 'fixtures', 'agent-sessions', 'claude'));
	const fd = openSync(join(project, 'tail-bench-session.jsonl'), 'w');
	for (let k = 0, bytes = 0; bytes < 50 * 1024 * 1024; k++) {
		const chunk = lines.map(l => renumberClaudeLine(l, `-t${k}`, 'tail-bench-session')).join('\n') + '\n';
		writeSync(fd, chunk);
		bytes += Buffer.byteLength(chunk);
	}
	closeSync(fd);
}

/**
 * CPU time of this process's main thread (the "extension host" here), in ms: Linux's per-thread
 * scheduler statistics (nanoseconds on a CPU). Unlike the event loop's busy time it does not count
 * the time the thread waited for a CPU on a loaded machine. Undefined where /proc has no such file.
 */
function hostCpuMs(): number | undefined {
	try {
		return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
	} catch {
		return undefined;
	}
}

/** Child mode (a fresh process, as an extension host would be): grows the session and measures the host's share. */
async function tailBenchmark(dir: string): Promise<Record<string, unknown>> {
	const workspace = tailWorkspace;
	const file = join(dir, 'projects', claudeProjectFolder(workspace), 'tail-bench-session.jsonl');
	const lines = readClaudeLines(join(transcriptsDir(), 'claude_code'));
	const engine = createEngineWorkerClient({ workerPath: join(root, 'dist', 'engineWorker.js') });
	const folders = { claude: [dir], codex: [], gemini: [], pi: [] };
	const watcher = new LiveSessionWatcher({ run: (job, params) => engine.run(job, params as never) as never, workspace, folders: () => folders, timeZone: () => 'UTC', batchMs: 20, pollMs: 3_600_000 });
	const calls = () => (watcher.state.kind === 'session' ? watcher.state.tail.calls : -1);
	// Waits on the watcher's own event (no polling, which would wake the measured thread itself).
	const until = (ok: () => boolean, what: string) =>
		new Promise<void>((resolve, reject) => {
			if (ok()) return resolve();
			const timer = setTimeout(() => (sub.dispose(), reject(new Error(`timed out waiting for ${what}`))), 60_000);
			const sub = watcher.onDidChange(() => {
				if (!ok()) return;
				clearTimeout(timer);
				sub.dispose();
				resolve();
			});
		});
	try {
		const t0 = performance.now();
		await watcher.start();
		await until(() => calls() > 0, 'the first read of the 50 MB file');
		const firstReadMs = performance.now() - t0;
		const assistants = lines.filter(l => l.type === 'assistant');
		const batches = 150;
		const hostMs: number[] = [];
		const hostCpu: number[] = [];
		const latencyMs: number[] = [];
		const readBytes: number[] = [];
		for (let i = 0; i < batches; i++) {
			const before = calls();
			// One batch = one API response as Claude Code appends it: its content-block lines and a tool result.
			const sample = assistants[i % assistants.length];
			const batch =
				[
					renumberClaudeLine(sample, `-n${i}`, 'tail-bench-session'),
					renumberClaudeLine(sample, `-n${i}`, 'tail-bench-session').replace('"uuid":"', '"uuid":"second-'),
					JSON.stringify({ type: 'user', sessionId: 'tail-bench-session', uuid: `u-n${i}`, message: { role: 'user', content: 'ok' } }),
				].join('\n') + '\n';
			const started = performance.now();
			// The append is the agent's work (another process); the host's starts after it.
			appendFileSync(file, batch);
			const elu = performance.eventLoopUtilization();
			const cpu0 = hostCpuMs();
			await until(() => calls() === before + 1, `batch ${i}`);
			const cpu1 = hostCpuMs();
			const used = performance.eventLoopUtilization(elu);
			hostMs.push(used.active);
			if (cpu0 !== undefined && cpu1 !== undefined) hostCpu.push(cpu1 - cpu0);
			latencyMs.push(performance.now() - started);
			if (watcher.state.kind === 'session') readBytes.push(watcher.state.tail.readBytes);
			await new Promise(r => setTimeout(r, 30));
		}
		return {
			fileMb: round(statSync(file).size / 1024 / 1024, 1),
			firstReadMs: round(firstReadMs, 0),
			batches,
			hostMs: { p50: round(median(hostMs)), p95: round(quantile(hostMs, 0.95)), max: round(Math.max(...hostMs)) },
			...(hostCpu.length > 0 && { hostCpuMs: { p50: round(median(hostCpu)), p95: round(quantile(hostCpu, 0.95)), max: round(Math.max(...hostCpu)) } }),
			latencyMs: { p50: round(median(latencyMs), 1), p95: round(quantile(latencyMs, 0.95), 1) },
			readBytesPerBatch: { p50: median(readBytes), max: Math.max(...readBytes) },
			watcherHostMs: { p50: round(median(watcher.hostMs), 3), max: round(Math.max(...watcher.hostMs), 3) },
		};
	} finally {
		watcher.dispose();
		engine.dispose();
	}
}

async function main(): Promise<void> {
	ensureTools();
	const load0 = loadavg();
	const corpusDir = join(tmp, 'claude');
	const corpus = buildCorpus(corpusDir, 100 * 1024 * 1024);
	const env = { ...process.env, CLAUDE_CONFIG_DIR: corpusDir, TZ: 'UTC' };
	const variants = {
		ours: () => measure(process.execPath, [join(root, 'dist', 'cli.js'), 'sessions', '--json', '--claude-dir', corpusDir, '--tz', 'UTC'], env),
		oursRecordedOutput: () => measure(process.execPath, [join(root, 'dist', 'cli.js'), 'sessions', '--json', '--claude-dir', corpusDir, '--tz', 'UTC', '--recorded-output'], env),
		ccusage: () => measure(ccusage, ['claude', 'session', '--json', '--offline', '-m', 'calculate'], env),
		ccusageNative: () => measure(ccusageNative, ['claude', 'session', '--json', '--offline', '-m', 'calculate'], env),
	};
	const runs: Record<keyof typeof variants, Measured[]> = { ours: [], oursRecordedOutput: [], ccusage: [], ccusageNative: [] };
	// Interleaved, so load on the shared machine hits every variant alike; the first round warms the page cache.
	for (const name of Object.keys(variants) as (keyof typeof variants)[]) variants[name]();
	for (let r = 0; r < rounds; r++) for (const name of Object.keys(variants) as (keyof typeof variants)[]) runs[name].push(variants[name]());
	const summary = Object.fromEntries(
		Object.entries(runs).map(([name, ms]) => [
			name,
			{ wallMs: round(median(ms.map(m => m.wallMs)), 0), peakRssMb: round(median(ms.map(m => m.peakRssMb)), 1), walls: ms.map(m => round(m.wallMs, 0)) },
		]),
	) as Record<keyof typeof variants, { wallMs: number; peakRssMb: number; walls: number[] }>;
	const ours = oursTotals(runs.ours[0].stdout);
	const recorded = oursTotals(runs.oursRecordedOutput[0].stdout);
	const theirs = ccusageTotals(runs.ccusage[0].stdout);
	const sameTokens = ours.input === theirs.input && ours.cacheRead === theirs.cacheRead && ours.cacheWrite === theirs.cacheWrite && recorded.output === theirs.output;
	buildTailSession(join(tmp, 'tail'));
	const child = spawnSync(process.execPath, [process.argv[1], '--tail', join(tmp, 'tail')], { encoding: 'utf8', cwd: root });
	if (child.status !== 0) throw new Error(`tail benchmark failed: ${child.stderr}`);
	const tail = JSON.parse(child.stdout) as Record<string, unknown>;
	const load1 = loadavg();
	const results = {
		generatedAt: new Date().toISOString(),
		node: process.version,
		cpus: cpus().length,
		cpu: cpus()[0]?.model,
		load: { before: load0.map(x => round(x)), after: load1.map(x => round(x)) },
		rounds,
		corpus,
		summary,
		totals: { ours, recorded, ccusage: theirs, sameTokens },
		tail,
	};
	mkdirSync(join(root, 'bench', 'results'), { recursive: true });
	writeFileSync(join(root, 'bench', 'results', 'sessions.json'), JSON.stringify(results, null, 2) + '\n');
	writeFileSync(join(root, 'bench', 'results', 'sessions.md'), markdown(results));
	process.stdout.write(markdown(results));
	rmSync(tmp, { recursive: true, force: true });
}

function markdown(r: {
	generatedAt: string;
	node: string;
	cpus: number;
	cpu?: string;
	load: { before: number[]; after: number[] };
	rounds: number;
	corpus: { bytes: number; files: number; sessions: number };
	summary: Record<'ours' | 'oursRecordedOutput' | 'ccusage' | 'ccusageNative', { wallMs: number; peakRssMb: number; walls: number[] }>;
	totals: { ours: Totals; recorded: Totals; ccusage: Totals; sameTokens: boolean };
	tail: Record<string, unknown>;
}): string {
	const s = r.summary;
	const ratio = (a: number, b: number) => `${round(a / b, 2)}×`;
	const ok = (v: boolean) => (v ? '✓' : '✗');
	const wallOk = s.ours.wallMs <= 1.5 * s.ccusage.wallMs;
	const rssOk = s.ours.peakRssMb <= 2 * s.ccusage.peakRssMb;
	const rWallOk = s.oursRecordedOutput.wallMs <= 1.5 * s.ccusage.wallMs;
	const rRssOk = s.oursRecordedOutput.peakRssMb <= 2 * s.ccusage.peakRssMb;
	type Q = { p50: number; p95: number; max: number };
	const t = r.tail as { fileMb: number; firstReadMs: number; batches: number; hostMs: Q; hostCpuMs?: Q; latencyMs: { p50: number; p95: number }; readBytesPerBatch: { p50: number; max: number } };
	const hostJudged = t.hostCpuMs ?? t.hostMs;
	const row = (name: string, v: { wallMs: number; peakRssMb: number; walls: number[] }) => `| ${name} | ${v.wallMs} | ${v.walls.join(', ')} | ${v.peakRssMb} |`;
	const tot = (name: string, x: Totals) =>
		`| ${name} | ${x.calls ?? '—'} | ${x.input.toLocaleString('en-US')} | ${x.cacheRead.toLocaleString('en-US')} | ${x.cacheWrite.toLocaleString('en-US')} | ${x.output.toLocaleString('en-US')} | ${x.costUsd === null ? '—' : `$${round(x.costUsd, 4)}`} |`;
	return `# Agent sessions benchmarks

Generated ${r.generatedAt} by \`npm run bench:sessions\` on node ${r.node}, ${r.cpus}× ${r.cpu ?? 'CPU'}; load average ${r.load.before.join(' / ')} before, ${r.load.after.join(' / ')} after (a shared 2-core machine: medians of ${r.rounds} interleaved rounds after a warm-up round; treat differences of ±30 % as noise).

## Whole process on a ${round(r.corpus.bytes / 1024 / 1024, 1)} MB history (target: ≤ 1.5× ccusage's wall time, ≤ 2× its peak RSS, the same tokens)

${r.corpus.files} Claude Code session files in 5 project folders: ${r.corpus.sessions} base sessions built from the real lines (the shared sessions and the ones the real CLI wrote for the fixtures, ids renewed per base session), each copied 24× the way Claude Code copies history — 12 resumes (every line, under the new session's id) and 12 forks (the first 60 %) — so most lines are copies that must be counted once. ccusage 20.0.24 (\`@ccusage/ccusage-linux-x64\`, pinned in \`bench/ccusage\`): \`CLAUDE_CONFIG_DIR=… ccusage claude session --json --offline -m calculate\`; ours: \`agent-cost sessions --json --claude-dir … --tz UTC\`. Peak RSS is GNU time's maximum resident set (for \`ccusage\`, its Node launcher and the native binary it runs).

| command | wall (ms, median) | every round (ms) | peak RSS (MB) |
|---|---:|---|---:|
${row('agent-cost sessions --json (default: placeholder outputs counted)', s.ours)}
${row('agent-cost sessions --json --recorded-output', s.oursRecordedOutput)}
${row('ccusage claude session --json (as installed: Node launcher + native)', s.ccusage)}
${row('ccusage native binary alone', s.ccusageNative)}

| vs ccusage | wall | peak RSS |
|---|---:|---:|
| default | ${ratio(s.ours.wallMs, s.ccusage.wallMs)} ${ok(wallOk)} | ${ratio(s.ours.peakRssMb, s.ccusage.peakRssMb)} ${ok(rssOk)} |
| --recorded-output | ${ratio(s.oursRecordedOutput.wallMs, s.ccusage.wallMs)} ${ok(rWallOk)} | ${ratio(s.oursRecordedOutput.peakRssMb, s.ccusage.peakRssMb)} ${ok(rRssOk)} |

Totals (ours: input = the whole prompt; ccusage's uncached input + cache read + cache write for comparison):

| | calls | input | cache read | cache write | output | cost |
|---|---:|---:|---:|---:|---:|---:|
${tot('agent-cost sessions', r.totals.ours)}
${tot('agent-cost sessions --recorded-output', r.totals.recorded)}
${tot('ccusage', r.totals.ccusage)}

${ok(r.totals.sameTokens)} input, cache read and cache write are identical to the token; recorded output too. The default output is larger where Claude Code wrote streaming placeholders (1–3 tokens) as a response's output: those are counted from the response's text (≈, as \`agent-cost report\` does), which is the one thing that needs the tokenizer. It is loaded only then (o200k only, from its own bundle, \`dist/tokenCounter.js\`), and that load is the whole difference between the two rows of ours: parsing the 3.4 MB rank-table bundle, building the BPE map and the Unicode-class check of the exact pre-tokenizer — ≈0.3 s and ≈80 MB of the process. Without it (\`--recorded-output\`, the output ccusage shows) the command is within both targets; with it, it is not, by the ratios above. Current Claude Code versions (2.1.x, like the sessions the real CLI wrote for the fixtures) record the final output on every response, so on their logs no placeholder exists, the tokenizer is never loaded and the default run costs what \`--recorded-output\` costs; this corpus is built from older logs, which have placeholders on most calls. ${r.totals.ccusage.costUsd !== null && r.totals.recorded.costUsd !== null && Math.abs(r.totals.ccusage.costUsd - r.totals.recorded.costUsd) < 1e-6 ? "With the recorded output even the cost equals ccusage's (both price catalogs agree on these models); the default costs more by exactly the corrected output." : "Costs differ where the price catalogs differ (genai-prices vs LiteLLM's) and by the corrected output."}

How ours is fast: a line is judged on its bytes before it becomes a string (a \`"type":"user"\` line — tool results, two thirds of the bytes — is skipped whole; other lines are decoded only when they contain \`"usage":\`), a Claude Code line already counted from another file is recognized by its ids before it is parsed, reads are synchronous 2 MB chunks into one reused buffer, and the command has its own 0.9 MB bundle behind the \`agent-cost\` launcher instead of the full CLI's 7 MB.

## Tailing a growing ${t.fileMb} MB session (target: ≤ 5 ms of extension-host time per appended batch)

The status item's code path without VS Code: \`LiveSessionWatcher\` (host side: a folder watch, one \`sessions/tail\` job per batch, the status state) over the real engine worker (\`dist/engineWorker.js\`), which reads only what was appended since the last tail, in a fresh process. ${t.batches} batches appended one after another, each one API response as Claude Code writes it (two assistant lines of the same message and a tool result line). Host time is everything the main thread (the extension host) does from the append until the watcher published the new totals: its CPU time (Linux per-thread scheduler statistics), and its event-loop busy time (\`performance.eventLoopUtilization\`), which also counts the time the thread waited for a CPU on this loaded machine.

| per batch | p50 | p95 | max |
|---|---:|---:|---:|
${t.hostCpuMs ? `| extension-host CPU time (ms) | ${t.hostCpuMs.p50} | ${t.hostCpuMs.p95} | ${t.hostCpuMs.max} |\n` : ''}| extension-host busy time, wall (ms) | ${t.hostMs.p50} | ${t.hostMs.p95} | ${t.hostMs.max} |
| append → status updated (ms, wall) | ${t.latencyMs.p50} | ${t.latencyMs.p95} | |

${ok(hostJudged.p95 <= 5)} within 5 ms (p95 of the ${t.hostCpuMs ? 'CPU time' : 'busy time'}). The worker read ${t.readBytesPerBatch.p50} bytes per batch (max ${t.readBytesPerBatch.max}) — the batch, never the file; the first read of the whole ${t.fileMb} MB file took ${t.firstReadMs} ms, in the worker.
`;
}

/** `--render`: rewrites sessions.md from sessions.json (after a change of the text only). */
if (process.argv.includes('--render')) {
	const saved = JSON.parse(readFileSync(join(root, 'bench', 'results', 'sessions.json'), 'utf8')) as Parameters<typeof markdown>[0];
	writeFileSync(join(root, 'bench', 'results', 'sessions.md'), markdown(saved));
	process.exit(0);
}

const tailChild = process.argv.indexOf('--tail');
void (tailChild >= 0 ? tailBenchmark(process.argv[tailChild + 1]).then(r => void process.stdout.write(JSON.stringify(r))) : main()).catch(e => {
	process.stderr.write(`bench:sessions failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
	process.exitCode = 1;
});
