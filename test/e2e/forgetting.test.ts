/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARITHMETIC_BENCHMARK, MAZE_BENCHMARK, readRunEvents, runLoop, type RunResult } from '@xp/loop';
import { SMALL_LOOP } from '../../libs/loop/src/testing/loop-fixtures';
import { launchChromium } from '../support/dashboard-browser';
import { openDashboardFixture, TEAM, type DashboardFixture } from '../support/dashboard-fixture';

/**
 * The forgetting matrix end to end: a sequential run with reservoir rehearsal goes through the log,
 * the projector and chDB; GraphQL must answer the held-out pass@1 the loop measured after every
 * iteration, and the run page's heatmap must show those numbers in the right cells.
 * Set XP_DASHBOARD_SCREENSHOTS=<dir> to keep a screenshot of the section.
 */

const RUN = 'forgetting-e2e';

jest.setTimeout(90_000);

describe('forgetting matrix through GraphQL and the dashboard', () => {
  let fx: DashboardFixture;
  let browser: Browser;
  let page: Page;
  let result: RunResult;
  let tasks: string[];

  beforeAll(async () => {
    fx = await openDashboardFixture();
    [browser] = await Promise.all([
      launchChromium(),
      (async () => {
        result = await runLoop({
          log: fx.log, dataDir: join(fx.dataDir, 'loop'), team: TEAM, experimentId: 'forgetting-e2e', runId: RUN, seed: 3, iterations: 4,
          config: {
            ...SMALL_LOOP,
            curriculum: { ...SMALL_LOOP.curriculum, strategy: 'sequential', tasks: [ARITHMETIC_BENCHMARK, MAZE_BENCHMARK], params: { iterationsPerTask: 2, advanceAt: 2 } },
            replay: { ...SMALL_LOOP.replay, strategy: 'reservoir', params: { memorySize: 50, memoryFraction: 0.5 } },
          },
        });
        await fx.projected();
      })(),
    ]);
    tasks = (await readRunEvents(fx.log, RUN)).flatMap(({ event }) => (event.type === 'curriculum.decided' ? [event.payload.task!] : []));
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  });

  afterAll(async () => {
    await browser?.close();
    await fx?.dispose();
  });

  /** Held-out pass@1 the loop measured: the first checkpoint, then after each iteration. */
  const measured = () => [result.baseline!, ...result.iterations.map((m) => m.heldOut)].map((h) => [h.byBenchmark[ARITHMETIC_BENCHMARK].passAt1, h.byBenchmark[MAZE_BENCHMARK].passAt1]);

  it('answers the matrix, ACC, BWT and forgetting of the run from the projections', async () => {
    expect(tasks).toEqual([ARITHMETIC_BENCHMARK, ARITHMETIC_BENCHMARK, MAZE_BENCHMARK, MAZE_BENCHMARK]);
    const { data, errors } = await fx.graphql(`{ run(id: "${RUN}") { forgetting {
      benchmarks matrix iterations trained averageAccuracy backwardTransfer forgetting { benchmark value learnedAt } } } }`);
    expect(errors).toBeUndefined();
    const forgetting = data.run.forgetting;
    expect(forgetting.benchmarks).toEqual([ARITHMETIC_BENCHMARK, MAZE_BENCHMARK]);
    expect(forgetting.iterations).toEqual([null, 1, 2, 3, 4]);
    expect(forgetting.trained).toEqual([[], ...tasks.map((t) => [t])]);
    const expected = measured();
    expect(forgetting.matrix).toHaveLength(expected.length);
    forgetting.matrix.forEach((row: number[], i: number) => row.forEach((value, j) => expect(value).toBeCloseTo(expected[i][j], 12)));
    // Arithmetic ended at row 2 and maze at row 4, the last: BWT and forgetting come from arithmetic alone.
    const [arithmeticEnd, final] = [expected[2], expected[4]];
    expect(forgetting.averageAccuracy).toBeCloseTo((final[0] + final[1]) / 2, 12);
    expect(forgetting.backwardTransfer).toBeCloseTo(final[0] - arithmeticEnd[0], 12);
    expect(forgetting.forgetting).toEqual([
      { benchmark: ARITHMETIC_BENCHMARK, value: expect.any(Number), learnedAt: 2 },
      { benchmark: MAZE_BENCHMARK, value: null, learnedAt: 4 },
    ]);
    expect(forgetting.forgetting[0].value).toBeCloseTo(arithmeticEnd[0] - final[0], 12);
  });

  it('draws the heatmap with each cell at its value, and a curve per benchmark', async () => {
    await page.goto(`${fx.url}/#key=${fx.key}`);
    await page.goto(`${fx.url}/#/runs/${RUN}`);
    const heatmap = page.locator('[data-section=forgetting] table[data-heatmap]');
    await heatmap.waitFor();
    const expected = measured();
    const benchmarks = [ARITHMETIC_BENCHMARK, MAZE_BENCHMARK];
    const cells = await heatmap.locator('td.heat').evaluateAll((tds) => tds.map((td) => ({
      row: Number(td.getAttribute('data-row')),
      benchmark: td.getAttribute('data-benchmark'),
      value: Number(td.getAttribute('data-value')),
      text: td.textContent,
      background: getComputedStyle(td).backgroundColor,
    })));
    expect(cells).toHaveLength(expected.length * 2);
    for (const cell of cells) {
      const value = expected[cell.row][benchmarks.indexOf(cell.benchmark!)];
      expect(cell.value).toBeCloseTo(value, 12);
      expect(cell.text).toBe(`${value * 100 === 0 || value * 100 >= 10 ? (value * 100).toFixed(1) : (value * 100).toPrecision(2)}%`);
    }
    // Higher pass@1, darker cell: the red channel falls as the value rises.
    const red = (c: { background: string }) => Number(/rgb\((\d+)/.exec(c.background)![1]);
    const sorted = [...cells].sort((a, b) => a.value - b.value);
    const [low, high] = [sorted[0], sorted.at(-1)!];
    expect(high.value).toBeGreaterThan(low.value);
    expect(red(high)).toBeLessThan(red(low));
    const legend = page.locator('[data-chart=forgetting-curves]');
    await expect(legend.getByText(ARITHMETIC_BENCHMARK).count()).resolves.toBeGreaterThan(0);
    await expect(legend.getByText(MAZE_BENCHMARK).count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('[data-field=forgetting-summary]').textContent()).resolves.toContain('Backward transfer (BWT)');
    if (process.env.XP_DASHBOARD_SCREENSHOTS) {
      await page.locator('[data-section=forgetting]').screenshot({ path: join(process.env.XP_DASHBOARD_SCREENSHOTS, 'forgetting.png') });
    }
  });
});
