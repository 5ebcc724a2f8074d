// Streaming input: stdin ("-") through a real pipe into a child process, a Readable handed to
// openCapture, gzip on both, and bounded memory (chunk buffers never grow with the capture).
// Spec: CONTRACT.md `xdpsim run … -` (stdin); Node.js stream.Readable.

import { expect } from "chai";
import { spawn } from "node:child_process";
import { createReadStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createGzip, gzipSync } from "node:zlib";
import { openCapture } from "../../src/pcap/open-capture.js";
import { capture, drain, md5, PCAPS, ROOT } from "./load-fixtures.js";

const CHILD = join(ROOT, "dist", "test", "pcap", "count-capture.js");

/** Run count-capture.js with `input` piped into its stdin (written in small pieces, slowly). */
function runChild(args: string[], input: Readable): Promise<{ code: number; out: any; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      try {
        resolve({ code: code ?? -1, out: JSON.parse(out), stderr: err });
      } catch (e) {
        reject(new Error(`child output ${JSON.stringify(out)} stderr ${err}`));
      }
    });
    child.stdin.on("error", () => undefined); // the child may stop reading early on a corrupt capture
    input.pipe(child.stdin);
  });
}

/** A Readable that hands out `bytes` in pieces of `piece` bytes, each on a later tick. */
function trickle(bytes: Uint8Array, piece: number): Readable {
  let at = 0;
  return new Readable({
    read() {
      setImmediate(() => {
        if (at >= bytes.length) return void this.push(null);
        this.push(Buffer.from(bytes.subarray(at, at + piece)));
        at += piece;
      });
    },
  });
}

describe("streaming capture input", () => {
  for (const name of ["http.pcap", "pptp.pcap", "get-to-ssh-server.pcap", "test001-be.pcapng", "many_interfaces-1.pcapng"]) {
    it(`stdin "-" through a pipe gives the same packets as the file (${name})`, async () => {
      const fromFile = await runChild([capture(name)], Readable.from([]));
      const viaPipe = await runChild(["-"], trickle(readFileSync(capture(name)), 777));
      expect(fromFile.code).to.equal(0);
      expect(viaPipe.code, viaPipe.stderr).to.equal(0);
      expect(viaPipe.out).to.deep.equal(fromFile.out);
      expect(viaPipe.out.packets).to.be.greaterThan(0);
    });
  }

  it("stdin with the pcap-parser reader", async () => {
    const fromFile = await runChild([capture("http.pcap")], Readable.from([]));
    const viaPipe = await runChild(["-", "pcap-parser"], createReadStream(capture("http.pcap")));
    expect(viaPipe.out).to.deep.equal(fromFile.out);
  });

  it("gzip on stdin is read transparently", async () => {
    const fromFile = await runChild([capture("http.pcap")], Readable.from([]));
    const viaPipe = await runChild(["-"], createReadStream(capture("http.pcap")).pipe(createGzip()));
    expect(viaPipe.out).to.deep.equal(fromFile.out);
  });

  it("a truncated capture on stdin: the good packets, then the error (exit 2)", async () => {
    const r = await runChild(["-"], createReadStream(capture("malformed/trunc-mid-packet.pcap")));
    expect(r.code).to.equal(2);
    expect(r.out.packets).to.equal(5);
    expect(r.out.error).to.match(/^\[capture\] -: truncated packet data: caplen 89, only 44 bytes .*\(byte offset 522, packet 5\)$/);
  });

  it("a Readable given as opts.stream (path only names it)", async () => {
    const bytes = readFileSync(capture("vlan-collisions.pcap"));
    const ref = await drain(capture("vlan-collisions.pcap"));
    for (const piece of [1, 5, 100, 1 << 20]) {
      const got = await drain("vlan-collisions (stream)", { stream: trickle(bytes, piece), chunkSize: 512 });
      expect(got.error).to.equal(null);
      expect(got.rows.map((r) => md5(r.bytes))).to.deep.equal(ref.rows.map((r) => md5(r.bytes)));
      expect(got.rows.map((r) => r.sec * 1e9 + r.nsec)).to.deep.equal(ref.rows.map((r) => r.sec * 1e9 + r.nsec));
    }
  });

  it("a gzip Readable, and a gzip stream whose members are concatenated", async () => {
    const bytes = readFileSync(capture("http.pcap"));
    const ref = await drain(capture("http.pcap"));
    const twoMembers = Buffer.concat([gzipSync(bytes.subarray(0, 5000)), gzipSync(bytes.subarray(5000))]);
    const got = await drain("http.pcap.gz", { stream: trickle(twoMembers, 999) });
    expect(got.error).to.equal(null);
    expect(got.rows.map((r) => md5(r.bytes))).to.deep.equal(ref.rows.map((r) => md5(r.bytes)));
  });

  it("an error of the stream itself becomes a CaptureError after the packets read so far", async () => {
    const bytes = readFileSync(capture("http.pcap"));
    let reads = 0;
    const s = new Readable({
      read() {
        // First 3000 bytes, then the connection fails.
        if (reads++ === 0) this.push(bytes.subarray(0, 3000));
        else setImmediate(() => this.destroy(new Error("connection reset")));
      },
    });
    const got = await drain("net", { stream: s });
    expect(got.rows.length).to.be.greaterThan(0);
    expect(got.error!.message).to.match(/read failed: connection reset/);
    expect(got.error!.packetIndex).to.equal(got.rows.length);
  });

  it("memory stays bounded: chunk buffers are the chunk size or the largest record, whatever the file size", async () => {
    const mixed = join(PCAPS, "mixed.pcap");
    const got = await drain(mixed, { chunkSize: 64 * 1024 });
    expect(got.rows.length).to.equal(2500);
    const largest = Math.max(...got.rows.map((r) => r.len));
    expect(largest).to.equal(73153);
    expect(got.maxBuffer).to.be.at.most(Math.max(64 * 1024, largest + 16));
    // And every batch references a buffer no larger than that, however many batches there were.
    const cap = await openCapture(mixed, { chunkSize: 64 * 1024, batchSize: 100 });
    let batches = 0;
    const buffers = new Set<ArrayBufferLike>();
    for await (const b of cap.batches()) {
      batches++;
      buffers.add(b.buf.buffer);
    }
    expect(batches).to.be.greaterThan(25);
    // Two alternating chunk buffers, plus one exact-size buffer per record larger than a chunk.
    expect(buffers.size).to.be.at.most(2 + got.rows.filter((r) => r.len + 16 > 64 * 1024).length * 2);
  });

  it("batches() can only be iterated once", async () => {
    const cap = await openCapture(capture("http.pcap"));
    for await (const _ of cap.batches()) break;
    expect(() => cap.batches()).to.throw(/only be iterated once/);
  });
});
