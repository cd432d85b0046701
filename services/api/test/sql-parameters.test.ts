import { exampleEvents, openApiFixture, type ApiFixture } from './api-fixture';

/** A team name that SQL would read as the start of a comment if it were spliced unquoted. */
const DASH_TEAM = 'sq--team';
const DASH_RUN = 'run--1';
const DASH_EXPERIMENT = 'exp--1';

/**
 * Values that change the statement if spliced into SQL: each either widens a WHERE clause to rows it
 * must not reach (other runs, other teams), comments out the rest of the statement, or breaks the
 * quoting. Sent as ClickHouse parameters they are plain strings that match nothing.
 */
const HOSTILE = [
  `run-001' OR '1'='1`,
  `x' OR team != '' OR 'x'='`,
  `run-001' --`,
  `run-001\\' OR 1=1 --`,
  `run-001\\`,
  `' UNION ALL SELECT * FROM runs --`,
  `run-001"; --`,
];

/** The example events again, as another team's run whose ids contain `--`. */
function dashTeamEvents() {
  return exampleEvents().map((event, i) => ({
    ...event,
    eventId: event.eventId.replace(/.{3}$/, (800 + i).toString(16)),
    team: DASH_TEAM,
    runId: event.runId === 'run-001' ? DASH_RUN : event.runId,
    experimentId: DASH_EXPERIMENT,
  }));
}

describe('ids, filters and team names reach ClickHouse as values, through the API', () => {
  let fx: ApiFixture;

  beforeAll(async () => {
    fx = await openApiFixture({ teams: [DASH_TEAM] });
    const ingest = `mutation($events: [JSON!]!) { ingestEvents(events: $events) { accepted rejected { reasons } } }`;
    expect((await fx.graphql(ingest, { events: exampleEvents() })).body.data.ingestEvents).toEqual({ accepted: exampleEvents().length, rejected: [] });
    expect((await fx.graphql(ingest, { events: dashTeamEvents() }, fx.keys[DASH_TEAM])).body.data.ingestEvents).toEqual({ accepted: exampleEvents().length, rejected: [] });
    await fx.projected();
  }, 120_000);
  afterAll(() => fx.dispose());

  const READS = `query($id: ID!, $text: String!, $cursor: String) {
    run(id: $id) { id }
    runs(filter: { experimentId: $text }) { id }
    samples(runId: $id, after: $cursor) { edges { node { id } } }
    filtered: samples(runId: "run-001", filter: { problemId: $text, checkpointId: $text }) { edges { node { id } } }
    lineage(id: $id, depth: 2) { nodes { id } }
    leaderboard(benchmark: $text, metric: PASS_AT_K, experimentId: $text) { rows { checkpointId } }
  }`;

  it('finds the stored rows when asked with their real ids (the reads below are not empty by construction)', async () => {
    const { body } = await fx.graphql(
      `{ run(id: "run-001") { id } runs(filter: { experimentId: "exp-arith" }) { id }
         samples(runId: "run-001", filter: { problemId: "arith/train/0001", checkpointId: "ckpt-0" }) { edges { node { id } } }
         lineage(id: "run-001", depth: 2) { nodes { id } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.run).toEqual({ id: 'run-001' });
    expect(body.data.runs).toEqual([{ id: 'run-001' }]);
    expect(body.data.samples.edges).toHaveLength(1);
    expect(body.data.lineage.nodes.length).toBeGreaterThan(1);
  });

  it.each(HOSTILE)('answers %j as an id and a filter that match nothing, without an error', async (value) => {
    const cursor = Buffer.from(value).toString('base64url');
    const { status, body } = await fx.graphql(READS, { id: value, text: value, cursor });
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    expect(body.data).toEqual({
      run: null,
      runs: [],
      samples: { edges: [] },
      filtered: { edges: [] },
      lineage: { nodes: [{ id: value }] },
      leaderboard: { rows: [] },
    });
  });

  it('keeps a team and ids containing `--` apart from everyone else, matched exactly', async () => {
    const mine = await fx.graphql(`{ runs { id experimentId team } run(id: "${DASH_RUN}") { id } }`, undefined, fx.keys[DASH_TEAM]);
    expect(mine.body).toEqual({ data: { runs: [{ id: DASH_RUN, experimentId: DASH_EXPERIMENT, team: DASH_TEAM }], run: { id: DASH_RUN } } });
    const theirs = await fx.graphql(`{ runs { id } run(id: "${DASH_RUN}") { id } }`);
    expect(theirs.body).toEqual({ data: { runs: [{ id: 'run-001' }], run: null } });
    const prefix = await fx.graphql(`{ run(id: "run--") { id } runs(filter: { experimentId: "exp--" }) { id } }`, undefined, fx.keys[DASH_TEAM]);
    expect(prefix.body).toEqual({ data: { run: null, runs: [] } });
  });
});
