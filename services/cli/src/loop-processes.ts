import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { BusFlags } from './config';

const XP_BIN = join(__dirname, '../bin/xp.js');
/** How much of a failed child's stderr its error keeps. */
const STDERR_TAIL = 4000;

/** A built-in run asked of the API, with its id already given to the caller. */
export interface RunRequest {
  runId: string;
  team: string;
  experimentId?: string;
  seed: number;
  iterations: number;
  curriculum?: string;
  replay?: string;
}

export interface ForkRequest {
  parentRunId: string;
  atOffset: number;
  /** The child's id, already given to the caller. */
  runId: string;
  curriculum: string;
  iterations: number;
}

/**
 * Runs the long loop work of `xp up` (the demo, built-in runs and forks asked of the API) as
 * `xp demo` / `xp fork` processes: a run trains and evaluates for as long as it takes, and doing that on the API's event
 * loop would hold every request behind it. A child reads and writes the same log (several processes
 * may share the embedded one) and leaves the projection to the projector already running here.
 */
export class LoopProcesses {
  /** Runs and forks asked of the API, one after another. */
  private queue: Promise<void> = Promise.resolve();
  private readonly running = new Set<ChildProcess>();
  private stopping = false;

  constructor(
    private readonly bus: BusFlags,
    private readonly onFailure: (runId: string, error: Error) => void,
  ) {}

  startRun(request: RunRequest): void {
    const options = { '--team': request.team, '--experiment': request.experimentId, '--curriculum': request.curriculum, '--replay': request.replay };
    this.enqueue(request.runId, [
      'demo', '--run-id', request.runId, '--seed', String(request.seed), '--iterations', String(request.iterations),
      ...Object.entries(options).flatMap(([flag, value]) => (value === undefined ? [] : [flag, value])),
    ]);
  }

  fork(request: ForkRequest): void {
    this.enqueue(request.runId, [
      'fork', request.parentRunId, '--at', String(request.atOffset), '--curriculum', request.curriculum,
      '--iterations', String(request.iterations), '--run-id', request.runId,
    ]);
  }

  /** Runs the demo with its summary on this process's stdout; 'interrupted' when stopped (or signalled) before it ended. */
  demo(iterations: number, seed: number): Promise<'finished' | 'interrupted'> {
    return this.run(['demo', '--iterations', String(iterations), '--seed', String(seed)], 'inherit');
  }

  /** Stops what runs (SIGTERM: a child's appends so far stay in the log), drops what has not started, and waits for the children to exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    const exits = [...this.running].map((child) => new Promise((resolve) => child.once('close', resolve)));
    for (const child of this.running) child.kill('SIGTERM');
    await Promise.all([...exits, this.queue]);
  }

  private enqueue(runId: string, args: string[]): void {
    this.queue = this.queue.then(async () => {
      if (this.stopping) return;
      await this.run(args, 'ignore').catch((error: Error) => this.onFailure(runId, error));
    });
  }

  private run(args: string[], stdout: 'ignore' | 'inherit'): Promise<'finished' | 'interrupted'> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [XP_BIN, ...args, '--no-project', ...busArgs(this.bus)], { stdio: ['ignore', stdout, 'pipe'] });
      this.running.add(child);
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        if (stdout === 'inherit') process.stderr.write(chunk);
        stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL);
      });
      child.once('error', reject);
      child.once('close', (code, signal) => {
        this.running.delete(child);
        if (code === 0) resolve('finished');
        // Ctrl-C in a terminal signals the whole process group, children included.
        else if (this.stopping || signal === 'SIGINT' || signal === 'SIGTERM') resolve('interrupted');
        else reject(new Error(`xp ${args[0]} exited with ${code ?? signal}: ${stderr.trim() || 'no output'}`));
      });
    });
  }
}

function busArgs(flags: BusFlags): string[] {
  return [['--bus', flags.bus], ['--brokers', flags.brokers], ['--data-dir', flags.dataDir]].flatMap(([flag, value]) => (value ? [flag!, value] : []));
}
