// The streaming checks of issue #8 at test size: frames generated on the fly through a pipe into
// `xdpsim run OBJ -` lose nothing; SIGINT mid-run leaves valid pcaps, counts that add up and
// "interrupted" (exit 130). `npm run fuzz -- --campaign huge --count 10000000` is the big one.

import { expect } from "chai";
import { runHugeCampaign, runSigintCampaign } from "./stream-campaign.js";

describe("fuzz: captures through a pipe", function () {
  this.timeout(180_000);

  it("300,000 generated frames through stdin: every one in exactly one output, counts match the files", async () => {
    const r = await runHugeCampaign({ count: 300_000, seed: 11 });
    expect(r.failures).to.deep.equal([]);
    expect(r.notes.join(" ")).to.match(/peak RSS \d+ MiB/);
  });

  it("SIGINT mid-run: exit 130, stats.json says interrupted, pcaps complete and results.jsonl one line per packet", async () => {
    const r = await runSigintCampaign({ count: 5_000_000, seed: 12 });
    expect(r.failures).to.deep.equal([]);
    expect(r.outcomes.processed).to.be.greaterThan(0);
  });
});
