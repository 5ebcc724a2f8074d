// Every output of verifyProgram (verdict, error, log at levels 0 and 1, processed count, stack depths,
// facts) for the example programs, against digests committed in test/verifier/snapshots/. Guards
// refactors of the verifier (e.g. for speed) that must not change what it reports; after an intended
// change, regenerate with `node dist/test/verifier/snapshot-verifier.js hashes` and say why in the commit.

import { expect } from "chai";
import * as fs from "node:fs";
import { exampleHashes, examplesHashFile } from "./snapshot-verifier.js";

describe("verifier output snapshot (example programs)", function () {
  this.timeout(120_000);
  it("matches the committed digests", () => {
    const expected = JSON.parse(fs.readFileSync(examplesHashFile(), "utf8")) as Record<string, string>;
    const actual = exampleHashes();
    const differ = Object.keys({ ...expected, ...actual }).filter((k) => expected[k] !== actual[k]);
    expect(differ, "verifier output changed (see snapshot-verifier.ts to regenerate)").to.deep.equal([]);
  });
});
