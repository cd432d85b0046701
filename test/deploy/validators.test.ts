/**
 * The validators reject what they exist to reject: a validator that accepts everything (after a
 * dependency bump, say) would let the deployment tests pass vacuously.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeployTools, ensureDeployTools, run } from './deploy-tools';

let tools: DeployTools;
let dir: string;

beforeAll(() => {
  tools = ensureDeployTools();
  dir = mkdtempSync(join(tmpdir(), 'xp-validators-'));
}, 15 * 60_000);

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function check(kind: 'manifests' | 'compose' | 'dockerfile', path: string): { status: number | null; stderr: string } {
  return run(tools.check, [kind, path], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });
}

const kafka = (spec: string) => `apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata:
  name: xp
spec:
${spec}`;

test.each([
  ['a misspelled field', kafka('  kafka:\n    listners: []\n'), 'unknown field "spec.kafka.listners"'],
  ['a field in the wrong case', kafka('  kafka:\n    Listeners: []\n'), 'unknown field "spec.kafka.Listeners"'],
  ['a wrong type', 'apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\nmetadata:\n  name: t\n  labels: {strimzi.io/cluster: xp}\nspec:\n  partitions: "3"\n  replicas: 1\n', 'partitions'],
  ['a missing required field', 'apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaNodePool\nmetadata:\n  name: p\n  labels: {strimzi.io/cluster: xp}\nspec:\n  replicas: 1\n  storage: {type: ephemeral}\n', 'spec.roles is required'],
  ['a wrong enumeration value', kafka('  kafka:\n    listeners:\n      - {name: plain, port: 9092, type: internl, tls: false}\n'), 'type "internl"'],
  ['ZooKeeper', kafka('  kafka:\n    listeners:\n      - {name: plain, port: 9092, type: internal, tls: false}\n  zookeeper: {replicas: 3}\n'), 'spec.zookeeper'],
  ['an unchecked Strimzi kind', 'apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaBridge\nmetadata:\n  name: b\nspec: {}\n', 'not checked'],
  ['malformed ClickHouse XML', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x.xml: "<clickhouse><a></clickhouse>"\n', 'x.xml'],
])('xp-deploy-check manifests rejects %s', (_, yaml, message) => {
  const result = check('manifests', file('manifests.yaml', yaml));
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(message);
});

test('kubeconform rejects an unknown field in a core object', () => {
  const path = file('deployment.yaml', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers:
        - name: c
          image: x:1
          resource: {}
`);
  const result = run(tools.kubeconform, ['-strict', '-kubernetes-version', tools.kubeVersions[0], '-schema-location', tools.schemaLocation, path]);
  expect(result.status).toBe(1);
  expect(result.stdout).toContain("additional properties 'resource' not allowed");
});

test.each([
  ['a dependency on an unknown service', 'services:\n  a:\n    image: x\n    depends_on:\n      b:\n        condition: service_healthy\n', 'b'],
  ['an unknown service key', 'services:\n  a:\n    image: x\n    helthcheck: {}\n', 'helthcheck'],
  ['an undefined volume', 'services:\n  a:\n    image: x\n    volumes: ["missing:/data"]\n', 'missing'],
])('xp-deploy-check compose rejects %s', (_, yaml, message) => {
  const result = check('compose', file('compose.yml', yaml));
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(message);
});

test.each([
  ['an unknown instruction', 'FROM node:20-slim\nRUNN true\n', 'unknown instruction'],
  ['a lint warning', 'FROM node:20-slim as build\nRUN true\n', 'FromAsCasing'],
  ['a bad flag', 'FROM node:20-slim\nCOPY --form=build /a /b\n', 'form'],
])('xp-deploy-check dockerfile rejects %s', (_, text, message) => {
  const result = check('dockerfile', file('Dockerfile', text));
  expect(result.status).toBe(1);
  expect(result.stderr.toLowerCase()).toContain(message.toLowerCase());
});
