// `npm run fuzz`: runs the fuzz campaigns with big counts. `--campaign elf|capture|program|mapinit|spec|all`
// (and the streaming checks `huge` / `sigint`: --count frames through `xdpsim run -`),
// `--count N` (per campaign), `--seed S` (logged; same seed → same cases), `--case I` (replay one case),
// `--from K` (first case index, to split a big campaign), `--json FILE` (write the results). Exit 1 when any case crashed, hung or made the backends disagree.

import { writeFileSync } from "node:fs";
import type { CampaignOptions, CampaignResult } from "./fuzz-support.js";
import { runElfCampaign } from "./elf-campaign.js";
import { runCaptureCampaign } from "./capture-campaign.js";
import { runMapInitCampaign } from "./map-init-campaign.js";
import { runProgramCampaign } from "./program-campaign.js";
import { runHugeCampaign, runSigintCampaign } from "./stream-campaign.js";
import { runSpecCampaign } from "./spec-campaign.js";

type Runner = (o: CampaignOptions) => CampaignResult | Promise<CampaignResult>;
const CAMPAIGNS: Record<string, Runner> = {
  elf: runElfCampaign,
  capture: runCaptureCampaign,
  mapinit: runMapInitCampaign,
  program: runProgramCampaign,
  spec: runSpecCampaign,
  // Not in "all": one run each, --count = frames fed through the pipe.
  huge: runHugeCampaign,
  sigint: runSigintCampaign,
};
const IN_ALL = ["elf", "capture", "mapinit", "program", "spec"];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const which = arg("campaign") ?? "all";
  const count = Number(arg("count") ?? 1000);
  const seed = arg("seed") !== undefined ? Number(arg("seed")) : Date.now() % 0x7fffffff;
  const only = arg("case") !== undefined ? Number(arg("case")) : undefined;
  const from = Number(arg("from") ?? 0);
  const names = which === "all" ? IN_ALL : which.split(",");
  for (const n of names) if (!CAMPAIGNS[n]) {
    process.stderr.write(`run-fuzz: unknown campaign '${n}' (have: ${Object.keys(CAMPAIGNS).join(", ")}, all)\n`);
    return 2;
  }
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(seed)) {
    process.stderr.write("run-fuzz: --count and --seed must be integers\n");
    return 2;
  }
  const log = (l: string): void => void process.stderr.write(`${new Date().toISOString()} ${l}\n`);
  const results: CampaignResult[] = [];
  for (const n of names) {
    log(`campaign ${n}: count ${count} seed ${seed}${only !== undefined ? ` case ${only}` : ""} from ${from} (reproduce: npm run fuzz -- --campaign ${n} --count ${count} --seed ${seed} --from ${from})`);
    const res = await CAMPAIGNS[n]({ count, seed, from, log, ...(only !== undefined && { only }) });
    results.push(res);
    log(`campaign ${n}: ${res.count} cases in ${(res.durationMs / 1000).toFixed(1)} s, slowest case ${res.maxCaseMs.toFixed(0)} ms, ` +
      `${res.failures.length} failures; outcomes ${JSON.stringify(res.outcomes)}`);
    for (const note of res.notes) log(`  note: ${note}`);
  }
  const out = arg("json");
  if (out) writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
  process.stdout.write(JSON.stringify(results.map((r) => ({ campaign: r.campaign, count: r.count, seed: r.seed,
    seconds: +(r.durationMs / 1000).toFixed(1), failures: r.failures.length, maxCaseMs: +r.maxCaseMs.toFixed(0) }))) + "\n");
  return results.some((r) => r.failures.length > 0) ? 1 : 0;
}

process.exitCode = await main();
