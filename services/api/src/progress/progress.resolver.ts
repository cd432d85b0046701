import { Args, Context, Resolver, Subscription } from '@nestjs/graphql';
import { Inject } from '@nestjs/common';
import { NotFoundError } from '@xp/events';
import type { RequestContext } from '../graphql/request-context';
import { RunsRepository } from '../runs/runs.repository';

export const PROGRESS_POLL_MS = 500;
/**
 * How long runProgress waits for a run the caller's team cannot see before answering that it does not
 * exist: a run just started may still be on its way to the projections. Another team's run gets the
 * same answer after the same wait, so the subscription tells nothing about it.
 */
export const UNKNOWN_RUN_GRACE_MS = 10_000;

/** Yielded by followRun for a run the caller cannot see; resolving it raises the error. */
class UnknownRun {
  constructor(readonly runId: string) {}
}

function resolveProgress(value: unknown): unknown {
  if (value instanceof UnknownRun) throw new NotFoundError(`run '${value.runId}' not found`);
  return value;
}

/**
 * runProgress pushes each iteration's metrics once they are projected, then a final message when the
 * run finished. It follows the projections (what every other query sees), polling the run's
 * iteration rows; the first message replays iterations already done, so late subscribers catch up.
 */
@Resolver('Subscription')
export class ProgressResolver {
  constructor(@Inject(RunsRepository) private readonly runs: RunsRepository) {}

  @Subscription('runProgress', { resolve: resolveProgress })
  runProgress(@Context() ctx: RequestContext, @Args('runId') runId: string): AsyncIterableIterator<unknown> {
    return followRun(this.runs, ctx.caller.team, runId);
  }
}

async function* followRun(runs: RunsRepository, team: string, runId: string) {
  const sent = new Map<number, string>();
  const giveUpAt = Date.now() + UNKNOWN_RUN_GRACE_MS;
  for (;;) {
    const [run, rows] = await Promise.all([runs.byId(team, runId), runs.iterations(team, [runId])]);
    if (!run && rows.length === 0 && Date.now() >= giveUpAt) {
      yield new UnknownRun(runId);
      return;
    }
    for (const row of rows) {
      const message = {
        runId,
        iteration: Number(row.iteration),
        trainPassRate: row.train_pass_rate,
        heldOutPassAt1: row.held_out_pass_at_1,
        meanReward: row.mean_reward,
        loss: row.loss,
        finished: false,
      };
      const fingerprint = JSON.stringify(message);
      if (sent.get(message.iteration) === fingerprint) continue;
      sent.set(message.iteration, fingerprint);
      yield message;
    }
    if (run?.status) {
      const last = rows[rows.length - 1];
      yield { runId, iteration: last ? Number(last.iteration) : 0, trainPassRate: last?.train_pass_rate ?? null, heldOutPassAt1: last?.held_out_pass_at_1 ?? null, meanReward: last?.mean_reward ?? null, loss: last?.loss ?? null, finished: true };
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, PROGRESS_POLL_MS));
  }
}
