// The fuzz campaigns at fixed seeds and small counts (the big counts run in `npm run fuzz`, see
// reports/reliability.md): zero crashes, zero hangs, zero backend disagreements.

import { expect } from "chai";
import type { CampaignResult } from "./fuzz-support.js";
import { runElfCampaign } from "./elf-campaign.js";
import { runCaptureCampaign } from "./capture-campaign.js";
import { runMapInitCampaign } from "./map-init-campaign.js";
import { runProgramCampaign } from "./program-campaign.js";
import { runSpecCampaign } from "./spec-campaign.js";

function clean(res: CampaignResult): void {
  const lines = res.failures.map((f) => `case ${f.caseIndex}: ${f.what}: ${f.detail.split("\n")[0]}`);
  expect(lines, `${res.campaign} seed ${res.seed}`).to.deep.equal([]);
  expect(res.count).to.be.greaterThan(0);
}

describe("fuzz: fixed-seed campaigns", function () {
  this.timeout(120000);
  it("ELF mutations of xdp/*.o load and run, or fail with an XdpsimError (150 cases)", () => {
    clean(runElfCampaign({ count: 150, seed: 7 }));
  });
  it("damaged pcap / pcapng captures: packets before the damage, then a CaptureError (250 cases)", async () => {
    clean(await runCaptureCampaign({ count: 250, seed: 7 }));
  });
  it("--map-init documents: applied, or a UsageError naming map and entry (500 cases)", () => {
    clean(runMapInitCampaign({ count: 500, seed: 7 }));
  });
  it("random programs: interpreter and JIT agree; invalid ones rejected or fault cleanly (250 cases)", () => {
    clean(runProgramCampaign({ count: 250, seed: 7 }));
  });
  it("test specs (YAML/JSON): validated with a SpecError naming file and place, or run cleanly (200 cases)", async () => {
    const res = await runSpecCampaign({ count: 200, seed: 7 });
    clean(res);
    expect(res.outcomes["spec-error"]).to.be.greaterThan(50);
    expect(res.outcomes.valid).to.be.greaterThan(5);
  });
});
