// Generates REAL session files with the real coding-agent CLIs, offline: Claude Code and Codex CLI
// (installed by test/harness/setupAgents.sh) and Gemini CLI run against the local fake provider
// (out/fakeProviderServer.js, `npm run build` first) with throw-away homes, the fake scripted to
// answer with a tool call and then text, with known usage. The session files the CLIs write are
// copied to the output folder (default test/fixtures/agent-sessions/), with `expected.json`: the
// CLI versions, the usage the fake reported for every call and what each CLI itself said (Claude
// Code's total_cost_usd is an independent reference for our prices).
//
//   HARNESS_ROOT=/path/.harness node test/harness/generateAgentSessions.mjs [--out DIR] [--only claude,codex,gemini]
//
// Gemini CLI is installed on first use into $GEMINI_CLI_ROOT (default $HARNESS_ROOT/gemini).
// Nothing leaves 127.0.0.1; the placeholder keys are checked not to appear in any written file.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..', '..');
const { values } = parseArgs({ options: { out: { type: 'string' }, only: { type: 'string' } } });
const out = resolve(values.out ?? join(root, 'test', 'fixtures', 'agent-sessions'));
const only = new Set((values.only ?? 'claude,codex,gemini').split(','));
const harness = process.env.HARNESS_ROOT ?? join(root, '.harness');
const agentsBin = join(harness, 'agents', 'node_modules', '.bin');
const geminiRoot = process.env.GEMINI_CLI_ROOT ?? join(harness, 'gemini');
const geminiVersion = '0.61.0';
const keys = { anthropic: 'sk-ant-placeholder-not-a-key', openai: 'sk-placeholder-not-a-key', gemini: 'placeholder-not-a-key' };

function log(msg) {
	process.stderr.write(`agent-sessions: ${msg}\n`);
}

async function startFake() {
	const child = spawn(process.execPath, [join(root, 'out', 'fakeProviderServer.js'), '--port', '0', '--id-prefix', `gen${Date.now().toString(36)}_`], { stdio: ['ignore', 'pipe', 'inherit'] });
	const line = await new Promise((resolveLine, reject) => {
		let buf = '';
		child.stdout.on('data', d => {
			buf += d;
			const nl = buf.indexOf('\n');
			if (nl >= 0) resolveLine(buf.slice(0, nl));
		});
		child.once('exit', code => reject(new Error(`fake provider exited with ${code} (run npm run build first)`)));
	});
	const info = JSON.parse(line);
	const call = async (path, body, attempt = 1) => {
		try {
			const r = await fetch(`${info.url}${path}`, { method: body === undefined ? 'GET' : 'POST', ...(body !== undefined && { body: JSON.stringify(body) }) });
			return await r.json();
		} catch (e) {
			// A kept-alive connection the server already closed: one retry on a new one.
			if (attempt > 1) throw e;
			return call(path, body, attempt + 1);
		}
	};
	return { ...info, child, enqueue: items => call('/__fake/enqueue', items), requests: () => call('/__fake/requests') };
}

function run(cmd, args, { cwd, env, timeoutMs = 180_000 }) {
	log(`${cmd.split('/').pop()} ${args.join(' ')}`);
	return execFileSync(cmd, args, { cwd, env: { PATH: process.env.PATH, ...env }, timeout: timeoutMs, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function files(dir) {
	if (!existsSync(dir)) return [];
	return readdirSync(dir).flatMap(n => {
		const p = join(dir, n);
		return statSync(p).isDirectory() ? files(p) : [p];
	});
}

/** Copies the session files of an agent home into out/<agent>/, keeping their layout. */
function collect(agent, home, subdirs, keep) {
	for (const sub of subdirs) {
		for (const f of files(join(home, sub)).filter(keep)) {
			const target = join(out, agent, relative(home, f));
			mkdirSync(dirname(target), { recursive: true });
			cpSync(f, target, { preserveTimestamps: true });
		}
	}
}

const usage = (input, cacheRead, cacheWrite5m, output, reasoning = 0) => ({ input, cacheRead, cacheWrite5m, output, reasoning });

/** A throw-away home and working folder for one agent, and the CLI's version. */
function sandbox(agent, bin) {
	const version = run(bin, ['--version'], { cwd: root, env: {} }).trim();
	const tmp = mkdtempSync(join(tmpdir(), `gen-${agent}-`));
	const home = join(tmp, 'home');
	const work = join(tmp, 'work');
	mkdirSync(home);
	mkdirSync(work);
	return { version, tmp, home, work };
}
const expected = { generatedAt: new Date().toISOString(), generator: 'test/harness/generateAgentSessions.mjs', agents: {} };

async function claude(fake) {
	const bin = join(agentsBin, 'claude');
	const { version, tmp, home, work } = sandbox('claude', bin);
	const env = { HOME: home, ANTHROPIC_BASE_URL: fake.anthropicBaseUrl, ANTHROPIC_API_KEY: keys.anthropic, DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' };
	const ask = (args, replies) => {
		return fake.enqueue(replies.map(behavior => ({ behavior: { type: 'reply', ...behavior } }))).then(() => JSON.parse(run(bin, [...args, '--output-format', 'json'], { cwd: work, env })));
	};
	const runs = [];
	const first = await ask(
		['-p', 'Run `echo hello-from-tool` with Bash and tell me what it printed', '--allowedTools', 'Bash'],
		[
			{ toolCalls: [{ name: 'Bash', arguments: { command: 'echo hello-from-tool', description: 'Print a greeting' } }], usage: usage(5200, 0, 5000, 40) },
			{ text: 'The command printed hello-from-tool.', usage: usage(5300, 5000, 250, 12) },
		],
	);
	runs.push({ what: 'new session: a Bash tool call, then the answer', sessionId: first.session_id, totalCostUsd: first.total_cost_usd, usage: first.usage });
	const resumed = await ask(['-p', '--resume', first.session_id, 'And once more, briefly?'], [{ text: 'Still hello-from-tool.', usage: usage(5600, 5250, 300, 9) }]);
	runs.push({ what: 'the same session resumed (appended to its file)', sessionId: resumed.session_id, totalCostUsd: resumed.total_cost_usd, usage: resumed.usage });
	const forked = await ask(['-p', '--resume', first.session_id, '--fork-session', 'Fork: say goodbye'], [{ text: 'Goodbye.', usage: usage(5700, 5250, 400, 5) }]);
	runs.push({ what: 'a fork of it: a new session file that copies the earlier calls', sessionId: forked.session_id, totalCostUsd: forked.total_cost_usd, usage: forked.usage });
	const sub = await ask(
		['-p', 'Use a subagent to count the files here', '--allowedTools', 'Task'],
		[
			{
				toolCalls: [{ name: 'Task', arguments: { description: 'Count files', prompt: 'Count the files in the current folder and report the number.', subagent_type: 'general-purpose' } }],
				usage: usage(6000, 0, 5800, 60),
			},
			{ text: 'There are no files here.', usage: usage(3000, 0, 2800, 8) },
			{ text: 'The subagent found no files.', usage: usage(6200, 5800, 300, 10) },
			{ text: 'Done.', usage: usage(6400, 6100, 200, 3) },
		],
	);
	runs.push({ what: 'a session whose Task tool runs a subagent (its own file under <session>/subagents/)', sessionId: sub.session_id, totalCostUsd: sub.total_cost_usd, usage: sub.usage });
	collect('claude', join(home, '.claude'), ['projects'], f => f.endsWith('.jsonl') || f.endsWith('.meta.json'));
	expected.agents.claude = { version, command: 'claude -p … --output-format json (HOME=<tmp>, ANTHROPIC_BASE_URL=<fake>)', runs };
	rmSync(tmp, { recursive: true, force: true });
}

async function codex(fake) {
	const bin = join(agentsBin, 'codex');
	const { version, tmp, home, work } = sandbox('codex', bin);
	const codexHome = join(home, '.codex');
	mkdirSync(codexHome);
	writeFileSync(
		join(codexHome, 'config.toml'),
		`model = "gpt-5"\nmodel_provider = "local"\n[model_providers.local]\nname = "local"\nbase_url = "${fake.openaiBaseUrl}"\nenv_key = "OPENAI_API_KEY"\nwire_api = "responses"\n`,
	);
	const env = { HOME: home, CODEX_HOME: codexHome, OPENAI_API_KEY: keys.openai };
	const runs = [];
	await fake.enqueue([
		{ behavior: { type: 'reply', toolCalls: [{ name: 'exec_command', arguments: { cmd: 'echo hello-from-codex' } }], usage: usage(4200, 0, 0, 30, 12) } },
		{ behavior: { type: 'reply', text: 'It printed hello-from-codex.', usage: usage(4400, 4096, 0, 9) } },
	]);
	runs.push({ what: 'exec: a tool call, then the answer', output: run(bin, ['exec', '--skip-git-repo-check', 'Run echo hello-from-codex and tell me what it printed'], { cwd: work, env }).trim() });
	await fake.enqueue([{ behavior: { type: 'reply', text: 'Still hello-from-codex.', usage: usage(4600, 4352, 0, 7) } }]);
	runs.push({ what: 'exec resume --last: another turn of the same session', output: run(bin, ['exec', '--skip-git-repo-check', 'resume', '--last', 'Once more?'], { cwd: work, env }).trim() });
	collect('codex', codexHome, ['sessions', 'archived_sessions'], f => f.endsWith('.jsonl'));
	expected.agents.codex = { version, command: 'codex exec --skip-git-repo-check … (CODEX_HOME=<tmp> with a local responses provider)', runs };
	rmSync(tmp, { recursive: true, force: true });
}

async function gemini(fake) {
	const bin = join(geminiRoot, 'node_modules', '.bin', 'gemini');
	if (!existsSync(bin)) {
		log(`installing @google/gemini-cli@${geminiVersion} into ${geminiRoot}`);
		mkdirSync(geminiRoot, { recursive: true });
		writeFileSync(join(geminiRoot, 'package.json'), JSON.stringify({ private: true, dependencies: { '@google/gemini-cli': geminiVersion } }));
		execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: geminiRoot, stdio: 'inherit' });
	}
	const { version, tmp, home, work } = sandbox('gemini', bin);
	const env = {
		HOME: home,
		GEMINI_CLI_HOME: home,
		GOOGLE_GEMINI_BASE_URL: fake.url,
		GEMINI_API_KEY: keys.gemini,
		GEMINI_CLI_NO_RELAUNCH: 'true',
		NO_BROWSER: 'true',
		GEMINI_CLI_TRUST_WORKSPACE: 'true',
	};
	mkdirSync(join(home, '.gemini'), { recursive: true });
	writeFileSync(
		join(home, '.gemini', 'settings.json'),
		JSON.stringify({
			security: { auth: { selectedType: 'gemini-api-key' } },
			privacy: { usageStatisticsEnabled: false },
			telemetry: { enabled: false },
			general: { disableAutoUpdate: true, disableUpdateNag: true },
		}),
	);
	const runs = [];
	await fake.enqueue([
		{ behavior: { type: 'reply', toolCalls: [{ name: 'list_directory', arguments: { dir_path: '.' } }], usage: usage(3100, 0, 0, 25, 15) }, match: { provider: 'gemini' } },
		{ behavior: { type: 'reply', text: 'The folder is empty.', usage: usage(3300, 2048, 0, 14, 6) }, match: { provider: 'gemini' } },
	]);
	runs.push({
		what: 'a prompt with a list_directory tool call, then the answer',
		output: run(bin, ['-p', 'List the files in this folder', '--yolo', '-m', 'gemini-2.5-pro'], { cwd: work, env }).trim(),
	});
	collect('gemini', join(home, '.gemini'), ['tmp'], f => f.includes(`${'/'}chats${'/'}`) || f.endsWith('.project_root'));
	expected.agents.gemini = { version, command: 'gemini -p … --yolo (GEMINI_CLI_HOME=<tmp>, GOOGLE_GEMINI_BASE_URL=<fake>)', runs };
	rmSync(tmp, { recursive: true, force: true });
}

const fake = await startFake();
try {
	for (const agent of ['claude', 'codex', 'gemini']) {
		if (!only.has(agent)) continue;
		rmSync(join(out, agent), { recursive: true, force: true });
		const before = (await fake.requests()).length;
		try {
			await { claude, codex, gemini }[agent](fake);
			expected.agents[agent].fakeRequests = (await fake.requests()).slice(before).map(r => ({ path: r.path, model: r.body?.model ?? null, answeredBy: r.answeredBy, outcome: r.outcome }));
		} catch (e) {
			log(`${agent} failed: ${e instanceof Error ? e.message : String(e)}${e?.stderr ? `\n${e.stderr}` : ''}`);
			expected.agents[agent] = { failed: e instanceof Error ? e.message.split('\n')[0] : String(e) };
		}
	}
} finally {
	fake.child.kill();
}
mkdirSync(out, { recursive: true });
const previous = existsSync(join(out, 'expected.json')) ? JSON.parse(readFileSync(join(out, 'expected.json'), 'utf8')) : { agents: {} };
writeFileSync(join(out, 'expected.json'), JSON.stringify({ ...expected, agents: { ...previous.agents, ...expected.agents } }, null, 2) + '\n');
for (const f of files(out)) {
	const text = readFileSync(f, 'utf8');
	for (const k of Object.values(keys)) if (text.includes(k)) throw new Error(`${f} contains a placeholder API key`);
}
log(`wrote ${files(out).length} files to ${relative(root, out)}`);
