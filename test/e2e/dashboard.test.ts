/**
 * @jest-environment ./libs/loop/test/onnxruntime-environment.js
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { encodeEvent, TOPICS } from '@xp/event-log';
import { EventFactory } from '@xp/events';
import { launchChromium } from '../support/dashboard-browser';
import { openDashboardFixture, type DashboardFixture } from '../support/dashboard-fixture';
import { hasColorNear, markerPositions, percent } from '../support/dashboard-chart';
import { colorCoverage, decodePng, parseColor } from '../support/dashboard-png';

/**
 * The dashboard end to end: a real loop run and a fork of it go through the log, the projector and
 * chDB; the API serves them and the dashboard's files; headless Chromium drives the pages.
 * Set XP_DASHBOARD_SCREENSHOTS=<dir> to keep a screenshot of every page.
 */

const PARENT = 'run-e2e';
const FORK = 'run-e2e-fork';
const SCREENSHOTS = process.env.XP_DASHBOARD_SCREENSHOTS;

interface Iteration {
  iteration: number;
  trainPassRate: number | null;
  heldOutPassAt1: number | null;
  meanReward: number | null;
  loss: number | null;
  checkpointId: string | null;
}

jest.setTimeout(90_000);

describe('web dashboard in headless Chromium', () => {
  let fx: DashboardFixture;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let iterations: Iteration[];
  let forkOffset: number;

  beforeAll(async () => {
    fx = await openDashboardFixture();
    [browser] = await Promise.all([
      launchChromium(),
      (async () => {
        await fx.runLoop({ runId: PARENT, seed: 7, iterations: 2, name: 'dashboard e2e' });
        const fork = await fx.forkRun({ parentRunId: PARENT, runId: FORK, atIteration: 2, iterations: 1, curriculum: 'success-band' });
        forkOffset = fork.forkedAtOffset!;
        await fx.projected();
      })(),
    ]);
    const { data } = await fx.graphql(`{ run(id: "${PARENT}") { iterations { iteration trainPassRate heldOutPassAt1 meanReward loss checkpointId } } }`);
    iterations = data.run.iterations;
    expect(iterations.map((i) => i.iteration)).toEqual([0, 1, 2]);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', deviceScaleFactor: 1 });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await fx?.dispose();
  });

  async function snapshot(name: string): Promise<void> {
    if (!SCREENSHOTS) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  it('asks for a key when it has none and says when the API refuses one', async () => {
    await page.goto(`${fx.url}/`);
    const form = page.locator('[data-page=key]');
    await expect(form.getByRole('heading', { name: 'Connect to xp' }).isVisible()).resolves.toBe(true);
    await form.getByLabel('API key').fill('xp_not-a-real-key');
    await form.getByRole('button', { name: 'Connect' }).click();
    await form.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
    await snapshot('key-form');
    expect(await page.evaluate(() => localStorage.getItem('xp.apiKey'))).toBeNull();
  });

  it('takes the key from the address, keeps it and strips it from the address bar', async () => {
    await page.goto(`${fx.url}/#key=${fx.key}`);
    const row = page.locator(`[data-page=runs] tr[data-run="${PARENT}"]`);
    await row.waitFor();
    expect(page.url()).toBe(`${fx.url}/#/runs`);
    expect(await page.evaluate(() => localStorage.getItem('xp.apiKey'))).toBe(fx.key);

    await expect(row.locator('[data-status]').textContent()).resolves.toBe('succeeded');
    const cells = await row.locator('td').allTextContents();
    expect(cells).toEqual(expect.arrayContaining(['dashboard-e2e', '2', percent(iterations[2].heldOutPassAt1!)]));
    const fork = page.locator(`[data-page=runs] tr[data-run="${FORK}"]`);
    await expect(fork.textContent()).resolves.toContain(`fork of ${PARENT}`);
    await snapshot('runs');

    // A reload keeps working from the stored key.
    await page.reload();
    await row.waitFor();
  });

  it('draws the run charts: every series in its colour, across its iterations, at its values', async () => {
    await page.locator(`tr[data-run="${PARENT}"] a`, { hasText: PARENT }).click();
    await page.locator('[data-chart=pass-rate] [data-series=trainPassRate] path').waitFor();
    expect(page.url()).toBe(`${fx.url}/#/runs/${PARENT}`);
    await snapshot('run');

    const charts: Array<{ chart: string; series: Array<keyof Iteration>; absent: string }> = [
      { chart: 'pass-rate', series: ['trainPassRate', 'heldOutPassAt1'], absent: 'loss' },
      { chart: 'mean-reward', series: ['meanReward'], absent: 'heldOutPassAt1' },
      { chart: 'loss', series: ['loss'], absent: 'trainPassRate' },
    ];
    const colorOf = async (key: string) => parseColor(await page.locator(`[data-series=${key}] path`).first().evaluate((p) => getComputedStyle(p).stroke));

    for (const { chart, series, absent } of charts) {
      const svg = page.locator(`[data-chart=${chart}] svg`);
      const image = decodePng(await svg.screenshot());
      const box = (await svg.boundingBox())!;
      const scale = image.width / box.width;
      // The detector tells colours apart: another chart's series colour is not drawn here.
      expect(colorCoverage(image, await colorOf(absent)).pixels).toBeLessThan(5);

      for (const key of series) {
        const color = await colorOf(key);
        const coverage = colorCoverage(image, color);
        const points = iterations.filter((i) => i[key] !== null);
        const markers = await markerPositions(svg, key);
        expect(markers).toHaveLength(points.length);

        // The line runs from the first to the last point with a value: as many columns, give or take the marker radius.
        const expectedSpan = (markers.at(-1)!.x - markers[0].x) * scale;
        expect(coverage.columns).toBeGreaterThan(expectedSpan * 0.9);
        expect(coverage.pixels).toBeGreaterThan(expectedSpan * 1.5);
        // Each point is drawn where its marker is, and higher values sit higher.
        for (const marker of markers) {
          expect(hasColorNear(image, color, marker.x * scale, marker.y * scale, 4)).toBe(true);
        }
        for (let a = 0; a < points.length; a++) {
          for (let b = 0; b < points.length; b++) {
            if ((points[a][key] as number) > (points[b][key] as number) + 1e-9) expect(markers[a].y).toBeLessThan(markers[b].y);
          }
        }
      }
    }

    // Legend and table carry the same numbers.
    await expect(page.locator('[data-chart=pass-rate] [data-legend=heldOutPassAt1] b').textContent()).resolves.toBe(percent(iterations[2].heldOutPassAt1!));
    await expect(page.locator('[data-section=iterations] tbody tr').count()).resolves.toBe(3);
    await expect(page.locator('[data-section=facts]').textContent()).resolves.toContain('curriculum uniform');
    await expect(page.locator('[data-field=forks]').textContent()).resolves.toBe(`${FORK} (offset ${forkOffset})`);
  });

  it('shows fork facts on the forked run', async () => {
    await page.locator('[data-field=forks] a', { hasText: FORK }).click();
    await expect(page.locator('[data-field=fork]').textContent()).resolves.toBe(`${PARENT} at offset ${forkOffset}`);
    await expect(page.locator('[data-section=facts]').textContent()).resolves.toContain('curriculum success-band');
    await page.locator('[data-chart=loss] [data-series=loss] circle').first().waitFor();
  });

  it('ranks checkpoints on the leaderboard, with benchmark, metric and k selectors', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Leaderboard' }).click();
    const table = page.locator('[data-section=leaderboard]');
    const checkpoint = iterations[2].checkpointId!;
    const row = table.locator(`tr[data-row="${checkpoint}"]`);
    await row.waitFor();
    const api = await fx.graphql(`{ leaderboard(benchmark: "reach-target", metric: PASS_AT_K, k: 1) { rows { checkpointId value } } }`);
    const expected = api.data.leaderboard.rows.find((r: { checkpointId: string }) => r.checkpointId === checkpoint);
    await expect(row.locator('[data-field=value]').textContent()).resolves.toBe(percent(expected.value));
    await expect(row.textContent()).resolves.toContain(`${PARENT} · iteration 2`);
    await expect(table.locator('tbody tr').count()).resolves.toBe(api.data.leaderboard.rows.length);
    await expect(table.locator('[data-field=problem-set]').textContent()).resolves.toContain('ranked on held-out problems (default); each row on the problems it attempted');
    await snapshot('leaderboard');

    // Training problems, only those every checkpoint attempted: the page says how many that kept.
    const common = await fx.graphql(`{ leaderboard(benchmark: "reach-target", metric: PASS_AT_K, k: 1, split: TRAIN, commonProblems: true) { commonProblems { kept leftOut } } }`);
    const { kept, leftOut } = common.data.leaderboard.commonProblems;
    await page.locator('[data-form=leaderboard] select[name=split]').selectOption('TRAIN');
    await table.locator('[data-field=problem-set]', { hasText: 'ranked on training problems;' }).waitFor();
    await page.locator('[data-form=leaderboard] input[name=common]').check();
    await table.locator('[data-field=problem-set]', { hasText: `${kept} problems every row attempted 1+ times, ${leftOut} left out` }).waitFor();
    expect(page.url()).toContain('split=TRAIN&common=1');
    await page.locator('[data-form=leaderboard] select[name=split]').selectOption('');
    await page.locator('[data-form=leaderboard] input[name=common]').uncheck();
    await table.locator('[data-field=problem-set]', { hasText: 'held-out problems (default)' }).waitFor();

    const form = page.locator('[data-form=leaderboard]');
    await form.locator('input[name=benchmark]').fill('grid-maze');
    await form.locator('input[name=k]').fill('2');
    await form.getByRole('button', { name: 'Show' }).click();
    await table.locator('h2', { hasText: 'grid-maze · pass@2' }).waitFor();
    await form.locator('select[name=metric]').selectOption('MEAN_REWARD');
    await table.locator('h2', { hasText: 'grid-maze · mean reward' }).waitFor();
    expect(page.url()).toContain('benchmark=grid-maze');
    const value = await table.locator(`tr[data-row="${checkpoint}"] [data-field=value]`).textContent();
    expect(value).toMatch(/^\d+\.\d{3}$/);

    await form.locator('input[name=benchmark]').fill('no-such-benchmark');
    await form.getByRole('button', { name: 'Show' }).click();
    await table.getByText("No verified samples for benchmark 'no-such-benchmark' yet.").waitFor();
  });

  it('shows API errors in the page', async () => {
    await page.goto(`${fx.url}/#/leaderboard?benchmark=reach-target&metric=PASS_AT_K&k=5000`);
    const alert = page.locator('[data-section=leaderboard] [role=alert]');
    await expect(alert.textContent()).resolves.toContain('k must be between 1 and 1000, got 5000');
    await snapshot('leaderboard-error');
    await page.goto(`${fx.url}/#/runs/no-such-run`);
    await expect(page.locator('[role=alert]').textContent()).resolves.toContain("There is no run 'no-such-run'");
  });

  it('walks the lineage of a checkpoint: samples, batches, parent and child checkpoints', async () => {
    const [first, second] = [iterations[1].checkpointId!, iterations[2].checkpointId!];
    await page.goto(`${fx.url}/#/runs/${PARENT}`);
    await page.locator('[data-section=iterations] a', { hasText: first }).click();
    const flow = page.locator('[data-section=lineage]');
    await flow.waitFor();
    expect(page.url()).toBe(`${fx.url}/#/lineage/${first}`);
    await snapshot('lineage');

    // The dashboard asks for more neighbours per node than the API's defaults (a list view, not a drawing).
    const api = await fx.graphql(`{ lineage(id: "${first}", direction: BOTH, depth: 2, limit: 3000, fanOut: 500) { nodes { id kind distance } edges { parentId childId relation } } }`);
    const nodes: Array<{ id: string; kind: string; distance: number }> = api.data.lineage.nodes;
    const edges: Array<{ parentId: string; childId: string; relation: string }> = api.data.lineage.edges;
    const childCheckpoints = edges.filter((e) => e.parentId === first && e.relation === 'fine_tuned_from').map((e) => e.childId);
    expect(childCheckpoints).toContain(second);
    const count = (kind: string, distance: number) => nodes.filter((n) => n.kind === kind && n.distance === distance).length;

    // Upstream one hop: the replay batches it was trained on and the checkpoint it was fine-tuned from.
    const up = flow.locator('[data-offset="-1"]');
    const batches = up.locator('[data-kind=REPLAY_BATCH]');
    await expect(batches.getAttribute('data-count')).resolves.toBe(String(count('REPLAY_BATCH', 1)));
    expect(Number(await batches.getAttribute('data-count'))).toBeGreaterThan(0);
    await expect(up.locator('[data-kind=CHECKPOINT] .kind-label').textContent()).resolves.toBe('Parent checkpoint');
    // Downstream one hop: the samples it generated (the fork's too), and the checkpoints fine-tuned from it.
    const down = flow.locator('[data-offset="1"]');
    const samples = down.locator('[data-kind=SAMPLE]');
    await expect(samples.getAttribute('data-count')).resolves.toBe(String(count('SAMPLE', 1)));
    expect(Number(await samples.getAttribute('data-count'))).toBeGreaterThan(10);
    const children = down.locator('[data-kind=CHECKPOINT]');
    await expect(children.locator('.kind-label').textContent()).resolves.toBe('Child checkpoint');
    await expect(children.locator(`[data-node="${second}"]`).count()).resolves.toBe(1);
    await expect(children.getAttribute('data-count')).resolves.toBe(String(childCheckpoints.length));
    // Two hops down: each sample's verification and reward.
    await expect(flow.locator('[data-offset="2"] [data-kind=VERIFICATION]').count()).resolves.toBe(1);

    // Expand a long list, then walk on from a sample.
    await samples.getByRole('button', { name: /show all/ }).click();
    await expect(samples.locator('li').count()).resolves.toBe(count('SAMPLE', 1));
    await expect(samples.textContent()).resolves.toContain(`${FORK}/s/2/`);
    const sampleId = (await samples.locator('li').first().getAttribute('data-node'))!;
    await samples.locator('li a').first().click();
    await page.locator('[data-section=lineage-summary]', { hasText: sampleId }).waitFor();
    await expect(flow.locator('[data-offset="-1"] [data-kind=CHECKPOINT]').getAttribute('data-count')).resolves.toBe('1');
    await expect(flow.locator('[data-offset="1"] [data-kind=REWARD]').count()).resolves.toBe(1);
    const sample = page.locator('[data-section=sample]');
    await expect(sample.textContent()).resolves.toMatch(/Verdict(correct|incorrect|error|abstain)Reward\d\.\d{3}/);
    await snapshot('lineage-sample');
  });

  it('browses a run\'s samples: a known output with its statement, verdict and reward, filters and cursor pages', async () => {
    const pageOf = async (filter: string, after: string | null) => (await fx.graphql(
      `query($after: String) { samples(runId: "${PARENT}", first: 20, filter: ${filter}, after: $after) {
         edges { node { id output statement verdict verifierId verifierVersion reward } } pageInfo { endCursor hasNextPage } } }`,
      { after },
    )).data.samples;
    const first = await pageOf('{ verdict: INCORRECT }', null);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const known = first.edges[0].node;
    await page.goto(`${fx.url}/#/runs/${PARENT}`);
    await page.locator('[data-action=samples]').click();
    await page.locator('[data-form=samples] select[name=verdict]').selectOption('INCORRECT');
    const card = page.locator(`[data-sample="${known.id}"]`);
    await card.waitFor();
    expect(page.url()).toBe(`${fx.url}/#/runs/${PARENT}/samples?verdict=INCORRECT`);
    await expect(card.locator('[data-field=output]').textContent()).resolves.toBe(known.output || '(empty output)');
    await expect(card.locator('[data-field=statement]').textContent()).resolves.toBe(known.statement);
    await expect(card.locator('[data-field=verdict]').textContent()).resolves.toBe('incorrect');
    await expect(card.locator('[data-field=verifier]').textContent()).resolves.toBe(`${known.verifierId}@${known.verifierVersion}`);
    await expect(card.locator('[data-field=reward]').textContent()).resolves.toBe(`reward ${known.reward.toFixed(3)}`);
    await expect(card.locator('[data-action=lineage]').getAttribute('href')).resolves.toBe(`#/lineage/${encodeURIComponent(known.id)}`);
    await snapshot('samples');

    // Cursor paging: the next page is the API's page after this one's last sample; the first page comes back.
    const ids = () => page.locator('[data-section=samples] [data-sample]').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-sample')));
    await expect(ids()).resolves.toEqual(first.edges.map((e: { node: { id: string } }) => e.node.id));
    const second = await pageOf('{ verdict: INCORRECT }', first.pageInfo.endCursor);
    await page.locator('[data-action=next-page]').click();
    await page.locator(`[data-sample="${second.edges[0].node.id}"]`).waitFor();
    await expect(ids()).resolves.toEqual(second.edges.map((e: { node: { id: string } }) => e.node.id));
    await page.locator('[data-action=first-page]').click();
    await card.waitFor();

    // Held-out problems: every card is an evaluation attempt.
    await page.locator('[data-form=samples] select[name=split]').selectOption('HELDOUT');
    await page.waitForURL(/split=HELDOUT/);
    const heldOut = await pageOf('{ verdict: INCORRECT, split: HELDOUT }', null);
    await page.locator(`[data-sample="${heldOut.edges[0].node.id}"]`).waitFor();
    await expect(page.locator('[data-section=samples] [data-sample]').allTextContents()).resolves.toEqual(
      heldOut.edges.map(() => expect.stringContaining('held-out · evaluation')),
    );
  });

  it('compares runs: a fork links to it; curves overlaid through their points, hover values, logged scalars, config differences', async () => {
    // Each run logs a loss per step, as a trainer reporting through metrics.logged does.
    const OTHER = 'run-e2e-other';
    await fx.runLoop({ runId: OTHER, seed: 8, iterations: 2 });
    const losses: Record<string, number[]> = { [PARENT]: [0.9, 0.6, 0.5], [OTHER]: [0.8, 0.7, 0.3] };
    for (const [runId, values] of Object.entries(losses)) {
      const { data } = await fx.graphql(`{ run(id: "${runId}") { experimentId } }`);
      const factory = new EventFactory({ team: 'alpha', experimentId: data.run.experimentId, runId, producer: 'trainer-script' });
      const events = values.map((loss, step) => factory.create('metrics.logged', { step: (step + 1) * 10, metrics: { 'train/loss': loss } }, []));
      await fx.log.append(TOPICS.events, events.map(encodeEvent));
    }
    await fx.projected();
    const runs = await Promise.all([PARENT, OTHER].map(async (id) => (await fx.graphql(`{ run(id: "${id}") { iterations { iteration heldOutPassAt1 } } }`)).data.run));

    // A fork's page links to the comparison with its parent.
    await page.goto(`${fx.url}/#/runs/${FORK}`);
    await page.locator('[data-action=compare]').click();
    await page.locator(`[data-section=comparison] [data-series="${FORK}"]`).first().waitFor();
    expect(page.url()).toBe(`${fx.url}/#/compare?runs=${PARENT},${FORK}`);
    // Two independent runs, picked on the page.
    await page.locator(`[data-form=compare] input[value="${FORK}"]`).uncheck();
    await page.locator(`[data-form=compare] input[value="${OTHER}"]`).check();
    await page.locator('[data-form=compare] button').click();
    const chart = page.locator('[data-section=comparison] [data-chart=heldOutPassAt1]');
    await chart.locator(`[data-series="${OTHER}"] circle.marker`).first().waitFor();
    expect(page.url()).toBe(`${fx.url}/#/compare?runs=${PARENT},${OTHER}`);
    await snapshot('compare');

    const svg = chart.locator('svg');
    const image = decodePng(await svg.screenshot());
    const scale = image.width / (await svg.boundingBox())!.width;
    const byRun = new Map<string, Map<number, { x: number; y: number }>>();
    const markersOf = { [PARENT]: await markerPositions(svg, PARENT), [OTHER]: await markerPositions(svg, OTHER) };
    for (const [index, id] of [PARENT, OTHER].entries()) {
      const points = (runs[index].iterations as Array<{ iteration: number; heldOutPassAt1: number | null }>).filter((i) => i.heldOutPassAt1 !== null);
      const markers = markersOf[id];
      expect(markers).toHaveLength(points.length);
      expect(points.length).toBeGreaterThan(1);
      const color = parseColor(await chart.locator(`[data-series="${id}"] path`).evaluate((p) => getComputedStyle(p).stroke));
      // The line passes through every marker the other run's does not cover, and higher values sit higher.
      const other = markersOf[id === PARENT ? OTHER : PARENT];
      const visible = markers.filter((m) => other.every((o) => Math.hypot(o.x - m.x, o.y - m.y) > 8));
      expect(visible.length).toBeGreaterThan(0);
      for (const marker of visible) expect(hasColorNear(image, color, marker.x * scale, marker.y * scale, 4)).toBe(true);
      for (let a = 0; a < points.length; a++) {
        for (let b = 0; b < points.length; b++) {
          if (points[a].heldOutPassAt1! > points[b].heldOutPassAt1! + 1e-9) expect(markers[a].y).toBeLessThan(markers[b].y);
        }
      }
      byRun.set(id, new Map(points.map((p, i) => [p.iteration, markers[i]])));
    }
    // Shared axes: an iteration both runs have sits at one x, and an equal value at one y.
    const shared = [...byRun.get(PARENT)!.keys()].filter((i) => byRun.get(OTHER)!.has(i));
    expect(shared.length).toBeGreaterThan(1);
    for (const iteration of shared) expect(byRun.get(PARENT)!.get(iteration)!.x).toBeCloseTo(byRun.get(OTHER)!.get(iteration)!.x, 0);

    // Hovering a point reads out both runs' values there.
    const last = Math.max(...shared);
    const at = byRun.get(OTHER)!.get(last)!;
    const box = (await svg.boundingBox())!;
    await page.mouse.move(box.x + at.x, box.y + at.y);
    const tooltip = chart.locator('.tooltip');
    await expect(tooltip.textContent()).resolves.toContain(`Iteration ${last}`);
    for (const [index, id] of [PARENT, OTHER].entries()) {
      const value = runs[index].iterations.find((i: { iteration: number }) => i.iteration === last).heldOutPassAt1;
      await expect(tooltip.textContent()).resolves.toContain(`${id}${percent(value)}`);
    }

    // The logged loss of each run, over its steps.
    const logged = page.locator('[data-chart="metric-train/loss"]');
    for (const id of [PARENT, OTHER]) await expect(markerPositions(logged.locator('svg'), id)).resolves.toHaveLength(3);
    await expect(logged.locator(`[data-legend="${OTHER}"] b`).textContent()).resolves.toBe('0.300');

    // The settings they differ in: the seed, and nothing of the loop's configuration.
    const seed = page.locator('[data-section=config-diff] tr[data-setting=seed] td');
    await expect(seed.allTextContents()).resolves.toEqual(['seed', '7', '8']);
    await expect(page.locator('[data-section=config-diff] tr[data-setting^="config."]').count()).resolves.toBe(0);
  });

  it('picks up a run that starts while the runs list is open', async () => {
    await page.goto(`${fx.url}/#/runs`);
    await page.locator(`tr[data-run="${PARENT}"]`).waitFor();
    await fx.runLoop({ runId: 'run-e2e-late', seed: 11, iterations: 1 });
    await fx.projected();
    await page.locator('tr[data-run="run-e2e-late"] [data-status=SUCCEEDED]').waitFor({ timeout: 15_000 });
  });
});
