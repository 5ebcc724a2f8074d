// Tests of the reference interpreter beyond the conformance table: xdp_md ctx loads, packet bounds, faults
// with instruction indices, budget, helpers, callbacks, tail calls, lddw pseudo sources (RFC 9669, core.c).

import { expect } from "chai";
import { assemble } from "../../../src/isa/assemble.js";
import { BpfFault } from "../../../src/errors.js";
import { createInterpreter } from "../../../src/exec/interpreter/create-interpreter.js";
import type { Executor } from "../../../src/exec/backend.js";
import type { ObjectSpec, ProgramSpec } from "../../../src/loader/types.js";
import { Runtime, type HelperFn, type RuntimeOptions } from "../../../src/runtime/runtime.js";
import { ADDR_HI, REGION_FUNC, REGION_PACKET, REGION_STACK, RegionKind } from "../../../src/runtime/memory.js";
import type { BpfMap } from "../../../src/runtime/maps/bpf-map.js";

function program(name: string, text: string): ProgramSpec {
  const insns = assemble(text);
  return { name, section: "xdp", insns, subprogs: [{ name, start: 0, end: insns.length }], funcInfo: [], lineInfo: [], mapRefs: [] };
}

function setup(texts: string[], opts: Partial<RuntimeOptions> = {}): { rt: Runtime; exec: Executor } {
  const obj: ObjectSpec = {
    file: "test.o", license: "GPL", gplCompatible: true, maps: [], globals: [], btf: null,
    programs: texts.map((t, i) => program(`p${i}`, t)),
  };
  const rt = new Runtime(obj, opts);
  return { rt, exec: createInterpreter(rt) };
}

/** A 60-byte frame 00 01 02 … loaded into the runtime's XDP buffer. */
function loadFrame(rt: Runtime, len = 60): void {
  const frame = Uint8Array.from({ length: len }, (_, i) => i & 0xff);
  rt.xdp.load(frame, 0, len);
}

/** Run program 0 with r1 = ctx; return r0 as a bigint. */
function run(rt: Runtime, exec: Executor, prog = 0, r1 = ADDR_HI /* REGION_CTX, offset 0 */): bigint {
  const args = new Uint32Array(12);
  args[2] = r1 % ADDR_HI;
  args[3] = Math.floor(r1 / ADDR_HI);
  rt.beginPacket();
  exec.run(prog, args);
  return (BigInt(args[1]) << 32n) | BigInt(args[0]);
}

function fault(rt: Runtime, exec: Executor): BpfFault {
  try {
    run(rt, exec);
  } catch (e) {
    if (e instanceof BpfFault) return e;
    throw e;
  }
  throw new Error("expected a fault");
}

describe("interpreter", () => {
  it("is the interp backend", () => {
    expect(setup(["exit"]).exec.backend).to.equal("interp");
  });

  describe("xdp_md context loads", () => {
    const table: [string, string, bigint | ((rt: Runtime) => bigint)][] = [
      ["data", "ldxw r0, [r1+0]", BigInt(REGION_PACKET) << 32n | 256n],
      ["data_end", "ldxw r0, [r1+4]", BigInt(REGION_PACKET) << 32n | 316n],
      ["data_meta", "ldxw r0, [r1+8]", BigInt(REGION_PACKET) << 32n | 256n],
      ["ingress_ifindex", "ldxw r0, [r1+12]", 7n],
      ["rx_queue_index", "ldxw r0, [r1+16]", 3n],
      ["egress_ifindex", "ldxw r0, [r1+20]", 0n],
      ["through a moved ctx pointer", "add r1, 12\nldxw r0, [r1+0]", 7n],
    ];
    for (const [name, text, want] of table) {
      it(name, () => {
        const { rt, exec } = setup([`${text}\nexit`]);
        loadFrame(rt);
        rt.xdp.ingressIfindex = 7;
        rt.xdp.rxQueueIndex = 3;
        expect(run(rt, exec)).to.equal(typeof want === "function" ? want(rt) : want);
      });
    }

    it("gives packet pointers that read the frame and see adjusted data", () => {
      const { rt, exec } = setup([
        "ldxw r2, [r1+0]\nldxw r3, [r1+4]\nmov r0, r3\nsub r0, r2\nlsh r0, 8\nldxb r4, [r2+5]\nor r0, r4\nexit",
      ]);
      loadFrame(rt);
      expect(run(rt, exec)).to.equal((60n << 8n) | 5n);
      rt.xdp.data += 10; // as bpf_xdp_adjust_head(ctx, 10) would leave it
      rt.xdp.syncWindow();
      expect(run(rt, exec)).to.equal((50n << 8n) | 15n);
    });

    const faults: [string, string, RegExp][] = [
      ["8-byte load", "ldxdw r0, [r1+0]", /invalid access to ctx: 8-byte load at offset 0 \(insn #0\)/],
      ["2-byte load", "ldxh r0, [r1+4]", /invalid access to ctx: 2-byte load at offset 4/],
      ["sign-extending load", "ldxsw r0, [r1+12]", /invalid access to ctx: sign-extending load at offset 12/],
      ["offset past the struct", "ldxw r0, [r1+24]", /invalid access to ctx: 4-byte load at offset 24/],
      ["misaligned offset", "ldxw r0, [r1+2]", /invalid access to ctx: 4-byte load at offset 2/],
      ["store", "mov r0, 0\nstw [r1+12], 1", /write to read-only ctx \(insn #1\)/],
      ["register store", "stxw [r1+0], r1", /write to read-only ctx/],
      ["atomic", "mov r2, 1\nlock add32 [r1+0], r2", /invalid access to ctx: atomic operation \(insn #1\)/],
    ];
    for (const [name, text, re] of faults) {
      it(`faults on a ${name}`, () => {
        const { rt, exec } = setup([`${text}\nexit`]);
        loadFrame(rt);
        expect(fault(rt, exec).describe()).to.match(re);
      });
    }
  });

  describe("packet bounds", () => {
    it("allows [data_meta, data_end) and faults outside it", () => {
      const { rt, exec } = setup(["ldxw r2, [r1+0]\nldxw r3, [r1+4]\nldxb r0, [r3-1]\nstb [r2+0], 0xaa\nldxb r0, [r3+0]\nexit"]);
      loadFrame(rt);
      const f = fault(rt, exec);
      expect(f.describe()).to.equal("invalid memory access: 1 byte(s) at offset 60 of packet (size 60) (insn #4)");
      expect(rt.xdp.region.bytes[256]).to.equal(0xaa);
    });
    it("faults on the headroom below data_meta", () => {
      const { rt, exec } = setup(["ldxw r2, [r1+0]\nldxb r0, [r2-1]\nexit"]);
      loadFrame(rt);
      expect(fault(rt, exec).describe()).to.match(/offset -1 of packet .*\(insn #1\)/);
    });
  });

  describe("registers and stack", () => {
    it("passes r1..r5, zeroes the rest and sets r10 to the top of frame 0", () => {
      const { rt, exec } = setup(["mov r0, r10\nexit"]);
      expect(run(rt, exec)).to.equal((BigInt(REGION_STACK) << 32n) | 512n);
      const { rt: rt2, exec: exec2 } = setup(["mov r0, r5\nadd r0, r6\nexit"]);
      const args = new Uint32Array(12);
      args[10] = 9;
      exec2.run(0, args);
      expect(args[0]).to.equal(9);
      expect(rt2.stackRegion.end).to.equal(rt2.stackRegion.bytes.length, "stack window restored after the run");
    });
    it("restores the stack window after a fault", () => {
      const { rt, exec } = setup(["call local f\nexit\nf:\nldxdw r0, [r10+0]\nexit"]);
      expect(fault(rt, exec).describe()).to.equal("invalid memory access: 8 byte(s) at offset 1024 of stack (size 1024) (insn #2)");
      expect(rt.stackRegion.end).to.equal(rt.stackRegion.bytes.length);
    });
  });

  describe("local calls", () => {
    it("allow 8 frames and fault on the 9th at the call instruction", () => {
      const chain = (n: number): string => {
        const lines = ["mov r1, 0", "call local f1", "exit"];
        for (let k = 1; k < n; k++) lines.push(`f${k}:`, "add r1, 1", `call local f${k + 1}`, "exit");
        lines.push(`f${n}:`, "mov r0, r1", "exit");
        return lines.join("\n");
      };
      const ok = setup([chain(7)]);
      expect(run(ok.rt, ok.exec)).to.equal(6n);
      const deep = setup([chain(8)]);
      const f = fault(deep.rt, deep.exec);
      expect(f.message).to.equal("local call exceeds the call depth of 8 frames");
      expect(f.insn).to.equal(3 + 3 * 6 + 1);
    });
    it("give each frame r10 = (depth + 1) * 512", () => {
      const { rt, exec } = setup(["call local f\nexit\nf:\ncall local g\nexit\ng:\nmov r0, r10\nexit"]);
      expect(run(rt, exec) & 0xffffffffn).to.equal(3n * 512n);
    });
  });

  describe("instruction budget", () => {
    it("lets exactly insnBudget instructions run", () => {
      const text = "mov r0, 0\n" + "add r0, 1\n".repeat(8) + "exit"; // 10 instructions
      const ok = setup([text], { insnBudget: 10 });
      expect(run(ok.rt, ok.exec)).to.equal(8n);
      expect(ok.rt.budget).to.equal(0);
      const short = setup([text], { insnBudget: 9 });
      const f = fault(short.rt, short.exec);
      expect(f.describe()).to.equal("instruction budget of 9 exceeded (insn #9)");
    });
    it("counts across local calls", () => {
      const { rt, exec } = setup(["call local f\nexit\nf:\nmov r0, 1\nexit"], { insnBudget: 100 });
      run(rt, exec);
      expect(rt.budget).to.equal(96);
    });
  });

  describe("helpers", () => {
    it("receive r1..r5, return r0 and keep r6..r9", () => {
      const { rt, exec } = setup([
        "mov r6, 6\nmov r9, 9\nmov r1, 1\nmov r2, 2\nmov r3, 3\nmov r4, 4\nlddw r5, 0x500000005\ncall 7\nadd r0, r6\nadd r0, r9\nexit",
      ]);
      let seen: number[] = [];
      rt.helpers[7] = (_rt, r) => {
        seen = Array.from(r.subarray(2, 12));
        r[0] = 100;
        r[1] = 0;
      };
      expect(run(rt, exec)).to.equal(100n + 6n + 9n);
      expect(seen).to.deep.equal([1, 0, 2, 0, 3, 0, 4, 0, 5, 5]);
    });
    it("fault with the call's index when missing", () => {
      const { rt, exec } = setup(["mov r0, 0\ncall 1\nexit"]);
      rt.helpers[1] = undefined;
      const f = fault(rt, exec);
      expect(f.describe()).to.equal("helper bpf_map_lookup_elem#1 is not available (insn #1)");
    });
    it("have their own faults tagged with the call's index", () => {
      const { rt, exec } = setup(["mov r0, 0\nmov r0, 0\ncall 6\nexit"]);
      rt.helpers[6] = () => {
        throw new BpfFault("bad helper argument");
      };
      expect(fault(rt, exec).describe()).to.equal("bad helper argument (insn #2)");
    });
    it("see the instruction budget left and can spend it", () => {
      const { rt, exec } = setup(["mov r0, 0\ncall 6\nexit"], { insnBudget: 50 });
      let left = -1;
      rt.helpers[6] = (h) => {
        left = h.budget;
        h.budget -= 10;
      };
      run(rt, exec);
      expect(left).to.equal(48);
      expect(rt.budget).to.equal(37);
    });
    it("callx calls the helper whose id is in the dst register", () => {
      const { rt, exec } = setup(["mov r1, 41\nmov r8, 6\ncallx r8\nexit"]);
      rt.helpers[6] = (_rt, r) => {
        r[0] = r[2] + 1;
        r[1] = 0;
      };
      expect(run(rt, exec)).to.equal(42n);
    });
  });

  describe("callbacks (rt.callback, as bpf_loop uses it)", () => {
    const loopHelper: HelperFn = (rt, r) => {
      // bpf_loop(nr, fn, ctx, flags): call fn(i, ctx) until it returns 1.
      const nr = r[2];
      const fn = r[4];
      const a = new Uint32Array(12);
      let i = 0;
      for (; i < nr; i++) {
        a[2] = i; a[3] = 0; a[4] = r[6]; a[5] = r[7];
        rt.callback(fn, a);
        if (a[0] === 1) { i++; break; }
      }
      r[0] = i;
      r[1] = 0;
    };
    it("run a function of the current program as a new frame with access to the caller's stack", () => {
      const { rt, exec } = setup([
        [
          "stdw [r10-8], 0",
          "mov r6, 66",
          "mov r1, 10",
          "lddw r2, code_addr(cb)",
          "mov r3, r10",
          "add r3, -8",
          "mov r4, 0",
          "call 181",
          "ldxdw r1, [r10-8]",
          "lsh r0, 16",
          "add r0, r1",
          "add r0, r6",
          "exit",
          "cb:",
          "ldxdw r3, [r2+0]",
          "add r3, r1",
          "stxdw [r2+0], r3",
          "mov r0, 0",
          "jne r1, 4, +1",
          "mov r0, 1",
          "mov r6, 0",
          "exit",
        ].join("\n"),
      ]);
      rt.helpers[181] = loopHelper;
      // 5 calls (i = 0..4, stop at 4): sum 0+1+2+3+4 = 10; r6 survives the helper call.
      expect(run(rt, exec)).to.equal((5n << 16n) + 10n + 66n);
    });
    it("lddw code_addr gives a function pointer in REGION_FUNC", () => {
      const { rt, exec } = setup(["lddw r0, code_addr(f)\nexit\nf:\nexit"]);
      expect(run(rt, exec)).to.equal((BigInt(REGION_FUNC) << 32n) | 3n);
    });
    it("fault past the deepest frame", () => {
      const { rt, exec } = setup(["lddw r2, code_addr(cb)\nmov r1, 1\ncall 181\nexit\ncb:\nlddw r2, code_addr(cb)\nmov r1, 1\ncall 181\nexit"]);
      rt.helpers[181] = loopHelper;
      const f = fault(rt, exec);
      expect(f.message).to.equal("callback exceeds the call depth of 8 frames");
      expect(f.insn).to.equal(8);
    });
  });

  describe("tail calls", () => {
    const tailCall: HelperFn = (rt, r) => {
      // bpf_tail_call(ctx, map, index): jump when the index names a program.
      const idx = r[6];
      if (idx < rt.obj.programs.length && rt.tailCallCount < 33) {
        rt.tailCallCount++;
        rt.tailCallTarget = idx;
      } else {
        r[0] = 0xfffffffe;
        r[1] = 0xffffffff;
      }
    };
    it("start the target from its first instruction in frame 0 with r1 preserved", () => {
      const { rt, exec } = setup([
        "mov r6, r1\ncall local f\nexit\nf:\nmov r1, r6\nmov r3, 1\ncall 12\nmov r0, 99\nexit",
        "mov r0, r1\nrsh r0, 32\nlsh r0, 16\nmov r2, r10\nand r2, 0xffff\nor r0, r2\nexit",
      ]);
      rt.helpers[12] = tailCall;
      // program 1 sees r1 = ctx (region 1) and r10 = frame-0 top (512)
      expect(run(rt, exec)).to.equal((1n << 16n) | 512n);
      expect(rt.tailCallTarget).to.equal(-1);
    });
    it("fall through when the helper does not jump", () => {
      const { rt, exec } = setup(["mov r3, 5\ncall 12\nadd r0, 3\nexit"]);
      rt.helpers[12] = tailCall;
      expect(run(rt, exec)).to.equal(1n);
    });
  });

  describe("lddw pseudo sources", () => {
    function withMap(valueBytes: number | null): { rt: Runtime; exec: Executor; map: BpfMap } {
      const { rt, exec } = setup([
        "lddw r1, map_by_fd(0)\nlddw r2, map_val(map_by_fd(0)) + 4\nldxw r0, [r2+0]\nrsh r1, 32\nlsh r1, 32\nor r0, r1\nexit",
      ]);
      const handle = rt.mem.add(RegionKind.MapHandle, new Uint8Array(0), false, "map 'm'", 0);
      const value = valueBytes === null ? null : rt.mem.add(RegionKind.MapValue, new Uint8Array(valueBytes), true, "map 'm' value", 0);
      const map = { spec: { name: "m" }, handleRegion: handle, valueRegion: value } as unknown as BpfMap;
      (rt.maps as BpfMap[]).push(map);
      return { rt, exec, map };
    }
    it("map fd → the map's handle region, map value → its value region + offset", () => {
      const { rt, exec, map } = withMap(16);
      map.valueRegion!.dv.setUint32(4, 0x1234, true);
      expect(run(rt, exec)).to.equal((BigInt(map.handleRegion.id) << 32n) | 0x1234n);
    });
    it("faults on a map without addressable values", () => {
      const { rt, exec } = withMap(null);
      expect(fault(rt, exec).describe()).to.equal("lddw: map 'm' has no addressable value (insn #2)");
    });
  });

  describe("decoding", () => {
    const table: [string, { op: number; dst: number; src: number; off: number; imm: number }[], string][] = [
      ["register above r10", [{ op: 0xbf, dst: 11, src: 0, off: 0, imm: 0 }], "invalid register r11 (insn #0)"],
      ["mov offset", [{ op: 0xbf, dst: 0, src: 1, off: 7, imm: 0 }], "invalid offset 7 of a move (insn #0)"],
      ["movsx32 in the 32-bit class", [{ op: 0xbc, dst: 0, src: 1, off: 32, imm: 0 }], "invalid offset 32 of a move (insn #0)"],
      ["div offset", [{ op: 0x3f, dst: 0, src: 1, off: 2, imm: 0 }], "invalid offset 2 of a division (insn #0)"],
      ["byte swap width", [{ op: 0xdc, dst: 0, src: 0, off: 0, imm: 8 }], "invalid byte swap width 8 (insn #0)"],
      ["atomic op", [{ op: 0xdb, dst: 10, src: 1, off: -8, imm: 0x11 }], "invalid atomic operation 0x11 (insn #0)"],
      ["legacy packet load", [{ op: 0x30, dst: 0, src: 0, off: 0, imm: 0 }], "unsupported legacy packet load 0x30 (insn #0)"],
      ["truncated lddw", [{ op: 0x18, dst: 0, src: 0, off: 0, imm: 0 }], "incomplete lddw instruction (insn #0)"],
      ["jump into lddw", [
        { op: 0x05, dst: 0, src: 0, off: 1, imm: 0 }, { op: 0x18, dst: 0, src: 0, off: 0, imm: 0 },
        { op: 0, dst: 0, src: 0, off: 0, imm: 0 }, { op: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
      ], "jump into the middle of an lddw instruction (insn #2)"],
    ];
    for (const [name, insns, msg] of table) {
      it(`faults on a bad ${name} when executed`, () => {
        const obj: ObjectSpec = {
          file: "t.o", license: "GPL", gplCompatible: true, maps: [], globals: [], btf: null,
          programs: [{ name: "p", section: "xdp", insns, subprogs: [], funcInfo: [], lineInfo: [], mapRefs: [] }],
        };
        const rt = new Runtime(obj);
        const exec = createInterpreter(rt);
        expect(fault(rt, exec).describe()).to.equal(msg);
      });
    }
  });
});
