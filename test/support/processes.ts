import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from './cli';

const BIN = join(REPO_ROOT, 'services/cli/bin/xp.js');

/**
 * `count` distinct TCP ports free on 127.0.0.1 right now, each bound once by the OS (port 0) and
 * released; all are held until the last is chosen, so none repeats.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** An `xp` process whose stderr is kept, so a failure can say why the process died. */
export interface XpProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

export function startXp(args: string[], env: NodeJS.ProcessEnv): XpProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * Polls `probe` until it returns a value, failing at `deadline` (ms since the epoch), or at once
 * when one of `watched` exits meanwhile (with its stderr), instead of waiting out the deadline.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, deadline: number, watched: XpProcess[] = []): Promise<T> {
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    const dead = watched.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    if (dead) throw new Error(`xp ${dead.child.spawnargs.slice(2).join(' ')} exited (${dead.child.exitCode ?? dead.child.signalCode}) while waiting for ${what}:\n${dead.stderr()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Stops a process with `signal` and waits for its exit. */
export async function stop(process: XpProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
  if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill(signal);
  return process.exited;
}

/** True when `url` answers 2xx within two seconds (a port held by something that never answers must not hang the wait). */
export async function answersOk(url: string): Promise<true | undefined> {
  return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok ? true : undefined;
}

/** Pids and command lines of the processes `pid` started (Linux `ps`). */
export function childProcesses(pid: number): { pid: number; args: string }[] {
  const out = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout ?? '';
  return out.split('\n').map((line) => /^\s*(\d+)\s+(.*)$/.exec(line)).filter((m): m is RegExpExecArray => m !== null).map((m) => ({ pid: Number(m[1]), args: m[2] }));
}

/** Whether a process with this pid still exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** POSTs a GraphQL query to an API on 127.0.0.1 with a bearer key and returns its data; GraphQL errors fail the call. */
export async function graphqlAt(port: number, key: string, query: string): Promise<any> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.json();
  if (body.errors !== undefined) throw new Error(`GraphQL errors for ${query}: ${JSON.stringify(body.errors)}`);
  return body.data;
}
