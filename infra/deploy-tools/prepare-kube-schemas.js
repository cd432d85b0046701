#!/usr/bin/env node
/**
 * Turns the Kubernetes JSON schemas bundled in PyPI's kubernetes-validate package into a
 * directory kubeconform can read offline.
 *
 * The bundled schemas carry `$id: https://kubernetes.io/api/<kind>/...` and refer to their
 * shared definitions as `/api/_definitions.json#/...`, which a validator would resolve to a URL
 * on the internet. This rewrites every reference to the `_definitions.json` beside it and drops
 * the `$id`s, so that references resolve to local files.
 *
 * usage: prepare-kube-schemas.js SOURCE_DIR TARGET_DIR
 *   SOURCE_DIR  e.g. .../kubernetes_validate/kubernetes-json-schema/v1.30.0-local-strict
 *   TARGET_DIR  e.g. .../kube-schemas/v1.30.0-standalone-strict
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [source, target] = process.argv.slice(2);
if (!source || !target) {
  console.error('usage: prepare-kube-schemas.js SOURCE_DIR TARGET_DIR');
  process.exit(2);
}

const REMOTE_DEFINITIONS = '/api/_definitions.json#';

/** Every `$ref` must stay inside the schema directory: within the file or in _definitions.json. */
function checkRef(ref, file) {
  if (!ref.startsWith('#') && !ref.startsWith('_definitions.json#')) {
    throw new Error(`${file}: reference ${ref} points outside the schema directory`);
  }
  return ref;
}

function rewrite(node, file) {
  if (Array.isArray(node)) return node.map((item) => rewrite(item, file));
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$id') continue;
    if (key === '$ref' && typeof value === 'string' && value.startsWith(REMOTE_DEFINITIONS)) {
      out[key] = checkRef(`_definitions.json#${value.slice(REMOTE_DEFINITIONS.length)}`, file);
    } else if (key === '$ref' && typeof value === 'string') {
      out[key] = checkRef(value, file);
    } else {
      out[key] = rewrite(value, file);
    }
  }
  return out;
}

const staging = `${target}.tmp-${process.pid}`;
fs.rmSync(staging, { recursive: true, force: true });
fs.mkdirSync(staging, { recursive: true });
let count = 0;
for (const name of fs.readdirSync(source)) {
  if (!name.endsWith('.json')) continue;
  const schema = JSON.parse(fs.readFileSync(path.join(source, name), 'utf8'));
  fs.writeFileSync(path.join(staging, name), JSON.stringify(rewrite(schema, name)));
  count += 1;
}
if (count === 0) throw new Error(`no schemas found in ${source}`);
fs.rmSync(target, { recursive: true, force: true });
fs.renameSync(staging, target);
console.error(`prepare-kube-schemas: ${count} schemas -> ${target}`);
