// Test kit for helper unit tests: a Runtime built from a hand-made ObjectSpec, a helper call with
// plain (number | bigint) arguments, scratch memory on the stack, and the kernel fixtures loader.
// Used by the *.test.ts files of this directory (kernel fixtures: kernel/fixtures/*.json).

import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { MapSpec, ObjectSpec } from "../../../src/loader/types.js";
import { addr, REGION_CTX, REGION_STACK } from "../../../src/runtime/memory.js";
import { Runtime, type RuntimeOptions } from "../../../src/runtime/runtime.js";

/** An object with no programs and the given maps. */
export function objectWith(maps: MapSpec[] = [], gplCompatible = true): ObjectSpec {
  return { file: "test.o", license: gplCompatible ? "GPL" : "MIT", gplCompatible, programs: [], maps, globals: [], btf: null };
}

/** A MapSpec literal (slot `index`). */
export function mapSpec(index: number, name: string, type: number, keySize: number, valueSize: number, maxEntries: number, flags = 0): MapSpec {
  return {
    index, name, type, keySize, valueSize, maxEntries, flags, btfKeyTypeId: 0, btfValueTypeId: 0,
    isGlobalData: false, readOnly: false, pinning: 0, numaNode: 0,
  };
}

export function makeRuntime(maps: MapSpec[] = [], opts: Partial<RuntimeOptions> = {}): Runtime {
  return new Runtime(objectWith(maps), opts);
}

export const CTX = addr(REGION_CTX, 0);
/** Address of stack byte `off` (scratch memory for keys, values, buffers). */
export const stack = (off: number): number => addr(REGION_STACK, off);
/** Address of map slot `i`'s handle (what ld_imm64 of the map gives the program). */
export const mapPtr = (rt: Runtime, i: number): number => addr(rt.maps[i].handleRegion.id, 0);

const regs = new Uint32Array(12);

/** Call helper `id` with r1..r5 = args; returns r0 as u64 (use s64() for signed results). */
export function call(rt: Runtime, id: number, ...args: (number | bigint)[]): bigint {
  const fn = rt.helpers[id];
  if (fn === undefined) throw new Error(`helper #${id} not implemented`);
  regs.fill(0xdeadbeef);
  for (let i = 0; i < 5; i++) {
    const v = BigInt.asUintN(64, BigInt(args[i] ?? 0));
    regs[2 + 2 * i] = Number(v & 0xffffffffn);
    regs[3 + 2 * i] = Number(v >> 32n);
  }
  fn(rt, regs);
  return (BigInt(regs[1]) << 32n) | BigInt(regs[0]);
}

export const s64 = (v: bigint): number => Number(BigInt.asIntN(64, v));

/** Write bytes into the stack region at `off`; returns the address. */
export function putStack(rt: Runtime, off: number, bytes: Uint8Array): number {
  rt.stackRegion.bytes.set(bytes, off);
  return stack(off);
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

export function unhex(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, "hex"));
}

/** A packet as hex, or (frames over 4096 bytes) the filler pattern with argument bytes at `at`. */
export type FixturePacket = string | { pattern: number; at: number; params: string };

export interface KernelCase {
  name: string;
  packet: FixturePacket;
  action?: number;
  verdict?: string;
  len_in?: number;
  len_out?: number;
  out?: string;
  /** Outputs over 4096 bytes are stored as their SHA-256. */
  out_sha256?: string;
  error?: string;
}

export interface KernelFixture {
  object: string;
  kernel: string;
  /** --map-init document the recording used (kernel_replay.py shape). */
  map_init?: unknown;
  cases: KernelCase[];
  trace?: string[];
  maps: Record<string, unknown>;
}

/** test/runtime/helpers/kernel/fixtures/<name>.json (recorded by kernel/record-fixtures.py). */
export function kernelFixture(name: string): KernelFixture {
  const url = new URL(`../../../../test/runtime/helpers/kernel/fixtures/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as KernelFixture;
}

/** A fixture packet's bytes (record-fixtures.py's pattern: byte i = (7 i + 3) mod 256). */
export function packetBytes(packet: FixturePacket): Uint8Array {
  if (typeof packet === "string") return unhex(packet);
  const p = Uint8Array.from({ length: packet.pattern }, (_, i) => (i * 7 + 3) & 0xff);
  p.set(unhex(packet.params), packet.at);
  return p;
}

/** Compare an output frame with the kernel's (hex, or SHA-256 for big frames). */
export function expectOut(out: Uint8Array, c: KernelCase): void {
  expect(out.length, "len_out").to.equal(c.len_out);
  if (c.out_sha256 !== undefined) expect(createHash("sha256").update(out).digest("hex"), "out (sha256)").to.equal(c.out_sha256);
  else expect(hex(out), "out").to.equal(c.out);
}

/** Load a case's packet into the runtime's XDP buffer (as the pipeline does before running). */
export function loadPacket(rt: Runtime, packet: FixturePacket): Uint8Array {
  const p = packetBytes(packet);
  rt.beginPacket();
  rt.xdp.load(p, 0, p.length);
  return p;
}

/** Packet memory view: data + off (bytes of the linear area). */
export function dataAt(rt: Runtime, off: number): number {
  return rt.xdp.data + off;
}
