import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
	/** Stops and starts the server on the same port: without persistence, every key is gone. */
	restart(): Promise<void>;
	readonly url: string;
	readonly port: number;
	readonly pid: number;
	stop(): Promise<void>;
}

const candidates = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];

/** Path of redis-server, or a LOUD error: these tests must never be skipped silently. */
function redisServerPath(): string {
	const found = candidates.find(p => existsSync(p));
	if (!found) throw new Error('redis-server is not installed (Debian: apt-get install -y redis-server); the Redis store tests cannot run and FAIL instead of skipping.');
	return found;
}

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const port = (s.address() as { port: number }).port;
			s.close(() => resolve(port));
		});
	});
}

async function ping(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const sock = new Socket();
		sock.setTimeout(500);
		sock.once('error', () => resolve(false));
		sock.once('timeout', () => {
			sock.destroy();
			resolve(false);
		});
		sock.connect(port, '127.0.0.1', () => sock.write('PING\r\n'));
		sock.once('data', d => {
			sock.destroy();
			// A server that requires a password answers -NOAUTH: it is up all the same.
			resolve(/^(\+PONG|-NOAUTH)/.test(d.toString()));
		});
	});
}

/** Starts a throwaway redis-server on a free 127.0.0.1 port with a temp dir and no persistence (optionally requiring a password). */
export async function startRedis(options: { readonly password?: string } = {}): Promise<RedisServer> {
	const bin = redisServerPath();
	const dir = mkdtempSync(join(tmpdir(), 'acl-redis-'));
	const port = await freePort();
	let child: ChildProcess;
	let exited = false;
	const launch = async () => {
		exited = false;
		child = spawn(
			bin,
			['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes', ...(options.password ? ['--requirepass', options.password] : [])],
			{ stdio: 'ignore' },
		);
		child.once('exit', () => (exited = true));
		const deadline = Date.now() + 10_000;
		while (!(await ping(port))) {
			if (exited || Date.now() > deadline) {
				child.kill('SIGKILL');
				rmSync(dir, { recursive: true, force: true });
				throw new Error(`redis-server did not start on 127.0.0.1:${port}`);
			}
			await new Promise(r => setTimeout(r, 50));
		}
	};
	const halt = async () => {
		if (exited) return;
		const done = new Promise(r => child.once('exit', r));
		process.kill(child.pid!, 'SIGTERM');
		await Promise.race([done, new Promise(r => setTimeout(r, 3000))]);
		if (!exited) process.kill(child.pid!, 'SIGKILL');
	};
	await launch();
	return {
		url: `redis://127.0.0.1:${port}/0`,
		port,
		get pid() {
			return child.pid!;
		},
		async restart() {
			await halt();
			await launch();
		},
		async stop() {
			await halt();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
