/**
 * The local three-broker cluster (infra/kafka/cluster.sh) for the scale-out tests. It is started by
 * the first test file that asks for it, not by globalSetup, so runs without those files do not pay
 * for three more JVMs; globalTeardown stops it when a test of this run started it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(REPO_ROOT, 'infra/kafka/cluster.sh');
/** Written when a test started the cluster; globalTeardown stops the cluster only then. */
const STARTED_BY_TESTS = path.join(REPO_ROOT, 'infra/kafka/.run-cluster/started-by-tests');
/** Held (a directory naming its process) by the cluster test file running now. */
const CLUSTER_LOCK = path.join(REPO_ROOT, 'infra/kafka/.run-cluster/tests.lock');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the cluster unless it runs; returns its bootstrap list. */
export function ensureKafkaCluster(): string[] {
  const before = spawnSync('bash', [SCRIPT, 'start'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 10 * 60 * 1000 });
  if (before.status !== 0) throw new Error(`the local Kafka cluster did not start (infra/kafka/.run-cluster/node-N.log): ${before.stderr}`);
  if (!/already running/.test(before.stderr)) writeFileSync(STARTED_BY_TESTS, `${process.pid}\n`);
  return before.stdout.trim().split('\n').at(-1)!.split(',');
}

/** Runs cluster.sh without blocking the event loop (a restart takes seconds; in-process consumers must keep heartbeating). */
function clusterAsync(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (status) => (status === 0 ? resolve() : reject(new Error(`infra/kafka/cluster.sh ${args.join(' ')} failed (status ${status}): ${stderr}`))));
  });
}

/** SIGKILLs one node (1-3), keeping its data. */
export function killClusterNode(node: number): Promise<void> {
  return clusterAsync('kill', String(node));
}

/** Starts a killed node again on its data and waits for its listener. */
export function restartClusterNode(node: number): Promise<void> {
  return clusterAsync('restart', String(node));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Takes the cluster for one test file (in any process) until `releaseCluster`: a test that kills a
 * broker makes every other client of the cluster fail for the seconds the cluster still names the
 * dead broker, and two tests killing different brokers leave one of three, below
 * min.insync.replicas (acknowledged records were then found missing once). Cluster tests therefore
 * run one file at a time; another file's wait for its turn is bounded by `waitMs`.
 */
export async function takeCluster(waitMs = 360_000): Promise<void> {
  mkdirSync(path.dirname(CLUSTER_LOCK), { recursive: true });
  for (const deadline = Date.now() + waitMs; ;) {
    try {
      mkdirSync(CLUSTER_LOCK);
      writeFileSync(path.join(CLUSTER_LOCK, 'pid'), `${process.pid}\n`);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = existsSync(path.join(CLUSTER_LOCK, 'pid')) ? Number(readFileSync(path.join(CLUSTER_LOCK, 'pid'), 'utf8')) : NaN;
      if (Number.isInteger(owner) && !alive(owner)) rmSync(CLUSTER_LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another test has held ${CLUSTER_LOCK} for ${waitMs} ms (pid ${owner})`);
      else await sleep(500);
    }
  }
}

export function releaseCluster(): void {
  const pidFile = path.join(CLUSTER_LOCK, 'pid');
  if (existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')) === process.pid) rmSync(CLUSTER_LOCK, { recursive: true, force: true });
}

/** Waits until every partition of `topics` has all its replicas in sync (a broker restarted earlier has caught up). */
export async function waitForFullReplicas(brokers: string[], topics: string[], timeoutMs = 120_000): Promise<void> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (const deadline = Date.now() + timeoutMs; ;) {
      const existing = new Set(await admin.listTopics());
      const { topics: found } = await admin.fetchTopicMetadata({ topics: topics.filter((t) => existing.has(t)) });
      if (found.every((t) => t.partitions.every((p) => p.isr.length === p.replicas.length))) return;
      if (Date.now() > deadline) throw new Error(`partitions of ${topics.join(', ')} still lack in-sync replicas after ${timeoutMs} ms`);
      await sleep(500);
    }
  } finally {
    await admin.disconnect();
  }
}

export function stopKafkaClusterIfStartedByTests(): void {
  if (!existsSync(STARTED_BY_TESTS)) return;
  const result = spawnSync('bash', [SCRIPT, 'stop'], { cwd: REPO_ROOT, stdio: ['ignore', 2, 2], timeout: 120 * 1000 });
  if (result.status !== 0) process.stderr.write(`warning: could not stop the local Kafka cluster (status ${result.status})\n`);
}
