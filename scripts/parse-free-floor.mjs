// What `check --no-lint --format json` would cost here if reading Python cost nothing: run in a
// project folder after `npm run build`, it first reads every revision file (untimed), then times,
// in the same process, everything else a run does with those results: discovery, opening and
// reading each file's bytes, building each Script, the graph, the rules and the JSON. Only the
// reader's code is warm; the rest runs cold, as in a real run. Node's start-up and the loading of
// the bundle are not included (the bench adds an empty project's whole run). Prints JSON.
import { Buffer } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const load = (m) => import(path.join(dist, m));
const { loadProjectConfig } = await load('alembic/config/alembic-config.js');
const { featuresOf } = await load('alembic/config/alembic-version.js');
const { discoverRevisionFiles } = await load('alembic/loading/discovery.js');
const { readSourceFile } = await load('alembic/reading/source-reader.js');
const { loadScript } = await load('alembic/loading/script-loader.js');
const { buildRevisionMap } = await load('alembic/graph/revision-map.js');
const { configOptions, checkModel } = await load('workspace/open-project.js');
const { checkJson } = await load('report/json-report.js');
const { diskFiles } = await load('project/project-files.js');

const opts = configOptions({ cwd: process.cwd(), format: 'json', env: process.env, files: diskFiles() });
const config = await loadProjectConfig(opts);
const features = featuresOf(opts.alembicVersion);
const discover = () =>
  discoverRevisionFiles(config.files, config.versionLocations, {
    recursive: config.recursive,
    sourceless: config.sourceless,
    features,
  });
// the parser's results, made before the clock starts: the reading that costs nothing
const outcomes = discover().files.map((f) =>
  f.kind === 'source' ? readSourceFile(config.files, f.loadPath) : undefined,
);

const phases = {};
let last = performance.now();
const mark = (name) => {
  const now = performance.now();
  phases[name] = Math.round(now - last);
  last = now;
};
const found = discover();
mark('discovery');
const buf = Buffer.allocUnsafe(1 << 20);
for (const f of found.files) {
  const fd = openSync(f.loadPath, 'r');
  readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
}
mark('read bytes');
const files = found.files.map((f, i) =>
  loadScript(
    i,
    f,
    path.relative(config.cwd, f.loadPath),
    () => outcomes[i],
    features,
    undefined,
    undefined,
    config.python,
  ),
);
mark('scripts');
const map = buildRevisionMap(files);
mark('graph');
// the texts the model keeps for the rules, from the same readings
const texts = new Map(
  found.files.flatMap((f, i) => (outcomes[i]?.kind === 'read' ? [[f.loadPath, outcomes[i].text]] : [])),
);
const model = {
  config,
  alembicVersion: opts.alembicVersion,
  files,
  loadedTwice: found.loadedTwice,
  map,
  complete: true,
  texts,
};
const result = await checkModel(model, { lint: false });
mark('rules');
const json = JSON.stringify(checkJson(result), null, 2);
mark('json');
const total = Object.values(phases).reduce((a, b) => a + b, 0);
console.log(
  JSON.stringify({
    revisions: files.length,
    heads: result.model.map.heads?.length,
    bytes: json.length,
    phases,
    total,
  }),
);
