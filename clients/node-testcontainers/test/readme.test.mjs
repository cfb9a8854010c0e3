// Runs the README's testcontainers-node example (the js block after
// <!-- snippet: testcontainers-node -->) as written, with node --test, on
// the image under test (ODMOCK_TC_IMAGE) instead of localhost/odmock:latest,
// against the container engine at DOCKER_HOST (podman system service):
//
//   ODMOCK_TC_IMAGE=localhost/odmock:testcontainers DOCKER_HOST=unix:///run/podman/podman.sock \
//     TESTCONTAINERS_RYUK_DISABLED=true node --test test/
//
// scripts/testcontainers-test.sh runs it so. Without an image or an engine
// the run is skipped, and fails when CI is set.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const readme = join(pkg, "..", "..", "README.md");
const marker = "<!-- snippet: testcontainers-node -->";
const image = "localhost/odmock:latest";

// snippet returns the README's example: the js block right after the marker.
function snippet() {
  const doc = readFileSync(readme, "utf8");
  const blocks = doc.split(marker);
  assert.equal(blocks.length, 2, `README.md should hold ${marker} once`);
  const m = /^\s*```js\n([\s\S]*?)\n```/.exec(blocks[1]);
  assert.ok(m?.[1], `README.md: no js block right after ${marker}`);
  return m[1] + "\n";
}

test("the README's example starts odmock with testcontainers, for data and for a 401", () => {
  const src = snippet();
  for (const want of [`from "testcontainers"`, `"${image}"`, "withWaitStrategy(", "ODMOCK_SEED", "ODMOCK_TOKEN", "ODMOCK_SCENARIO", "401", "container.stop()"]) {
    assert.ok(src.includes(want), `the README's example has no ${want}`);
  }
});

test("the README's example passes against odmock's image", (t) => {
  const img = process.env.ODMOCK_TC_IMAGE;
  let problem = "";
  if (!img) problem = "ODMOCK_TC_IMAGE names no odmock image (scripts/testcontainers-test.sh builds one)";
  else if (!process.env.DOCKER_HOST && !existsSync("/var/run/docker.sock"))
    problem = "no container engine: set DOCKER_HOST (podman system service) or run Docker";
  if (problem) {
    if (process.env.CI) assert.fail(problem);
    t.skip(problem);
    return;
  }
  const src = snippet();
  const tests = src.match(/^test\(/gm)?.length ?? 0;
  assert.ok(tests >= 2, `the README's example has ${tests} tests, want 2 or more`);

  // In the package, so that its testcontainers is the one imported.
  const dir = mkdtempSync(join(pkg, "_readme-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "odmock.test.mjs");
  writeFileSync(file, src.replace(`"${image}"`, JSON.stringify(img)));
  // A test's child that runs node --test must not look like one of the
  // runner's own (NODE_TEST_CONTEXT), or it runs nothing.
  const env = { ...process.env, TESTCONTAINERS_RYUK_DISABLED: process.env.TESTCONTAINERS_RYUK_DISABLED ?? "true" };
  delete env.NODE_TEST_CONTEXT;
  const run = spawnSync(process.execPath, ["--test", "--test-reporter=tap", file], {
    cwd: pkg,
    encoding: "utf8",
    timeout: 180_000,
    env,
  });
  const out = `${run.stdout}${run.stderr}`;
  assert.equal(run.error, undefined, `node --test the README's example: ${run.error}\n${out}`);
  assert.equal(run.status, 0, `the README's example failed (exit ${run.status}):\n${out}`);
  assert.match(out, new RegExp(`^# pass ${tests}$`, "m"), `the README's example: not every test passed:\n${out}`);
  assert.match(out, /^# skipped 0$/m, `the README's example skipped a test:\n${out}`);
});
