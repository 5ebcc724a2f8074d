// `xdpsim live` end to end (src/cli/live-command.ts, src/live/open-live-capture.ts): a veth pair in a
// network namespace made by the test, `live` capturing on one end, frames of pcaps/sample.pcap sent
// from the other (test/live/send-frames.ts); verdicts, results.jsonl and maps must equal `xdpsim run`
// on the same frames. Needs root, `ip netns` and the optional `cap` package: skips (saying why) otherwise.

import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openCapture } from "../../src/pcap/open-capture.js";
import { PcapWriter } from "../../src/pcap/write-pcap.js";
import { REPO } from "../pipeline/kernel-fixtures.js";

const NS = `xdpsim-t-${process.pid}`;
const MAIN = join(REPO, "dist/src/cli/main.js");
const SENDER = join(REPO, "dist/test/live/send-frames.js");

function sh(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

/** Why the live test cannot run here, or null. */
function whyNot(): string | null {
  if (process.getuid?.() !== 0) return "not root (live capture in a network namespace needs root)";
  try {
    createRequire(import.meta.url)("cap");
  } catch (e) {
    return `the optional 'cap' package cannot be loaded (${(e as Error).message.split("\n")[0]})`;
  }
  const add = sh("ip", ["netns", "add", NS]);
  if (!add.ok) return `ip netns add failed: ${add.out}`;
  for (const args of [
    ["netns", "exec", NS, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"],
    ["-n", NS, "link", "add", "veth0", "type", "veth", "peer", "name", "veth1"],
    ["-n", NS, "link", "set", "veth0", "up"],
    ["-n", NS, "link", "set", "veth1", "up"],
  ]) {
    const r = sh(args[0] === "netns" ? "ip" : "ip", args);
    if (!r.ok) return `ip ${args.join(" ")} failed: ${r.out}`;
  }
  return null;
}

/** Frames of sample.pcap that fit a 1500-MTU veth and are whole (what can be sent as captured). */
async function writeSendable(path: string): Promise<number> {
  const src = await openCapture(join(REPO, "pcaps/sample.pcap"));
  const w = new PcapWriter(path, { linkType: 1, nanosecond: false });
  let n = 0;
  for await (const b of src.batches()) {
    for (let i = 0; i < b.count; i++) {
      const len = b.lens[i];
      if (b.linkTypes[i] !== 1 || len < 14 || len > 1514 || b.origLens[i] !== len) continue;
      w.write(b.buf, b.offs[i], len, len, b.tsSec[i], b.tsNsec[i]);
      n++;
    }
  }
  await w.close();
  return n;
}

/** Start `live` in the namespace and resolve once it says it is capturing. */
function startLive(args: string[]): Promise<{ child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> }> {
  const child = spawn("ip", ["netns", "exec", NS, process.execPath, MAIN, "live", ...args], { cwd: REPO });
  let stderr = "";
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on("close", (code) => resolve({ code, stderr })));
  return new Promise((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (/capturing on veth0/.test(stderr)) resolve({ child, done });
    });
    void done.then(({ code }) => reject(new Error(`live exited (${code}) before capturing: ${stderr}`)));
  });
}

describe("live: xdpsim live on a veth pair in a private network namespace", function () {
  this.timeout(180_000);
  let dir = "";
  let frames = "";
  let count = 0;
  let ready = false;

  before(async function () {
    const why = whyNot();
    if (why !== null) {
      console.log(`      (skipping live tests: ${why})`);
      this.skip();
    }
    ready = true;
    dir = mkdtempSync(join(tmpdir(), "xdpsim-live-"));
    frames = join(dir, "frames.pcap");
    count = await writeSendable(frames);
    const r = spawnSync(process.execPath, [MAIN, "run", "xdp/firewall.o", frames, "--out", join(dir, "ref"), "--results", "--dump-maps", "--cpus", "2"], { cwd: REPO, encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
  });

  after(() => {
    if (ready || existsSync(`/run/netns/${NS}`)) sh("ip", ["netns", "del", NS]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const stripTimes = (s: Record<string, unknown>): Record<string, unknown> => {
    const { wall_seconds: _w, pps: _p, capture: _c, ...rest } = s;
    return rest;
  };

  for (const queues of [undefined, 2]) {
    it(`captures the sent frames and gives run's verdicts, results and maps${queues ? ` (--queues ${queues})` : ""}`, async () => {
      const out = join(dir, `live-${queues ?? 1}`);
      const extra = queues ? ["--queues", String(queues), "--cpus", "2"] : ["--cpus", "2"];
      const live = await startLive(["xdp/firewall.o", "--iface", "veth0", "--count", String(count), "--duration", "60", "--out", out, "--results", "--dump-maps", ...extra]);
      const sent = sh("ip", ["netns", "exec", NS, process.execPath, SENDER, "veth1", frames]);
      expect(sent.out).to.contain(`sent ${count}`);
      const { code, stderr } = await live.done;
      expect(code, stderr).to.equal(0);
      expect(stderr).to.match(new RegExp(`${count} packets: pass \\d+`));
      const ref = join(dir, "ref");
      expect(readFileSync(join(out, "results.jsonl"), "utf8")).to.equal(readFileSync(join(ref, "results.jsonl"), "utf8"));
      const sa = JSON.parse(readFileSync(join(ref, "stats.json"), "utf8"));
      const sb = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
      expect(sb.verdicts).to.deep.equal(sa.verdicts);
      expect(sb.interrupted).to.equal(false);
      expect(stripTimes(sb).packets).to.equal(count);
      // Output pcaps: same records apart from the (wall-clock) timestamps: compare sizes.
      for (const f of ["pass.pcap", "drop.pcap", "tx.pcap", "redirect.pcap", "aborted.pcap"]) {
        expect(readFileSync(join(out, f)).length, f).to.equal(readFileSync(join(ref, f)).length);
      }
      if (!queues) expect(readFileSync(join(out, "maps.json"), "utf8")).to.equal(readFileSync(join(ref, "maps.json"), "utf8"));
    });
  }

  it("SIGINT ends the capture: outputs complete, stats say interrupted, exit 130", async () => {
    const out = join(dir, "live-int");
    const live = await startLive(["xdp/firewall.o", "--iface", "veth0", "--duration", "60", "--out", out]);
    sh("ip", ["netns", "exec", NS, process.execPath, SENDER, "veth1", frames]);
    await new Promise((r) => setTimeout(r, 500));
    // `ip netns exec` execs node (same pid): the signal reaches xdpsim itself.
    live.child.kill("SIGINT");
    const { code } = await live.done;
    expect(code).to.equal(130);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    expect(stats.interrupted).to.equal(true);
    expect(stats.packets).to.equal(count);
    expect(existsSync(join(out, "pass.pcap"))).to.equal(true);
  });

  it("without root / CAP_NET_RAW: one line naming the privilege, exit 2", function () {
    const r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, MAIN, "live", "xdp/firewall.o", "--iface", "lo", "--count", "1", "--out", join(tmpdir(), "xdpsim-live-nobody")], { cwd: REPO, encoding: "utf8" });
    if (r.error) {
      console.log(`      (skipping: setpriv cannot run here: ${r.error.message})`);
      this.skip();
    }
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/capturing needs root or CAP_NET_RAW/);
  });

  it("an unknown interface is one line, exit 2", () => {
    const r = spawnSync(process.execPath, [MAIN, "live", "xdp/firewall.o", "--iface", "xdpsim-nosuch0", "--count", "1"], { cwd: REPO, encoding: "utf8" });
    expect(r.status).to.equal(2);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/--iface xdpsim-nosuch0: no such interface/);
  });
});
