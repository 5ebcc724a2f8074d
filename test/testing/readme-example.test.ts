// Runs the mocha example of README "Regression tests" verbatim (it imports "xdpsim" through the
// package's self-reference), so the documented library usage cannot rot.

import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../pipeline/kernel-fixtures.js";

describe("README mocha example", function () {
  this.timeout(120_000);
  it("passes when run with mocha", () => {
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Regression tests"));
    const m = /\*\*In mocha\.\*\*[^]*?```js\n([^]*?)```/.exec(section);
    expect(m, "README has the mocha example").to.not.equal(null);
    const file = join(REPO, "dist", `.readme-example-${process.pid}.test.mjs`);
    writeFileSync(file, m![1]);
    try {
      const r = spawnSync(process.execPath, [join(REPO, "node_modules/mocha/bin/mocha.js"), "--no-config", "--timeout", "60000", file], { cwd: REPO, encoding: "utf8" });
      expect(r.status, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.match(/2 passing/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
