// Loader: maps, global data, consts, license and every program linked in libbpf's layout, checked
// against what the kernel reported after `bpftool prog loadall` (record-bpftool.py) and against
// the objects' sources; plus the unsupported features and broken relocations that must fail.

import { expect } from "chai";
import { LoadError, UsageError, XdpsimError } from "../../src/errors.js";
import { findSection, readElf } from "../../src/elf/read-elf.js";
import { STV_HIDDEN } from "../../src/elf/types.js";
import { BtfKind, BTF_FUNC_GLOBAL, BTF_FUNC_STATIC } from "../../src/btf/types.js";
import { BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE } from "../../src/isa/opcodes.js";
import { isGplCompatible, loadObject, loadObjectFile } from "../../src/loader/load-object.js";
import { MapType, type ObjectSpec, type ProgramSpec } from "../../src/loader/types.js";
import {
  kernelMapNameMatches, LOADABLE, objectBytes, objectPath, protoName, recording, type RecordedEntry,
} from "./object-fixtures.js";

const load = (name: string, consts?: Map<string, bigint>): ObjectSpec => loadObject(objectBytes(name), `${name}.o`, consts ? { consts } : {});
const prog = (o: ObjectSpec, name: string): ProgramSpec => o.programs.find((p) => p.name === name)!;

function thrown(fn: () => unknown): XdpsimError {
  try {
    fn();
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(XdpsimError);
    return e as XdpsimError;
  }
  throw new Error("no error thrown");
}

const BPFTOOL_MAP_TYPES: Record<string, number> = {
  hash: MapType.HASH, array: MapType.ARRAY, prog_array: MapType.PROG_ARRAY, percpu_array: MapType.PERCPU_ARRAY,
  lru_hash: MapType.LRU_HASH, lpm_trie: MapType.LPM_TRIE, hash_of_maps: MapType.HASH_OF_MAPS, devmap: MapType.DEVMAP,
  ringbuf: MapType.RINGBUF,
};

describe("loader/load-object", () => {
  describe("against the kernel (bpftool prog loadall on the reference kernel)", () => {
    for (const name of LOADABLE) {
      describe(`${name}.o`, () => {
        const obj = load(name);
        const rec = recording(name);

        it("has the same programs, in libbpf's order", () => {
          expect(obj.programs.map((p) => p.name.slice(0, 15)).sort()).to.deep.equal(rec.programs.map((p) => p.name).sort());
        });

        for (const rp of rec.programs) {
          it(`${rp.name}: sub-programs in the kernel's order, func_info and line_info`, () => {
            const p = obj.programs.find((x) => x.name.slice(0, 15) === rp.name)!;
            const kernelFuncs = rp.funcs.map(protoName);
            expect(p.subprogs.map((s) => s.name)).to.deep.equal(kernelFuncs);
            expect(p.funcInfo.map((f) => f.name)).to.deep.equal(kernelFuncs);
            expect(p.funcInfo.map((f) => f.insn)).to.deep.equal(p.subprogs.map((s) => s.start));
            // bpftool strips leading blanks and its json_writer prints a backslash as "\n"
            expect(p.lineInfo.map((l) => l.text.trimStart().replace(/\\/g, "\n"))).to.deep.equal(rp.src);
            // ranges tile the image
            p.subprogs.forEach((s, i) => expect(s.start).to.equal(i === 0 ? 0 : p.subprogs[i - 1].end));
            expect(p.subprogs.at(-1)!.end).to.equal(p.insns.length);
          });

          it(`${rp.name}: references the kernel's maps in the same order`, () => {
            const p = obj.programs.find((x) => x.name.slice(0, 15) === rp.name)!;
            const ours = p.mapRefs.map((i) => obj.maps[i].name);
            expect(ours.length).to.equal(rp.maps.length);
            ours.forEach((m, i) => expect(kernelMapNameMatches(rp.maps[i], m), `${rp.maps[i]} vs ${m}`).to.equal(true));
          });
        }

        it("defines the maps the kernel created", () => {
          for (const km of rec.maps) {
            const m = obj.maps.find((x) => kernelMapNameMatches(km.name, x.name))!;
            expect(m, km.name).to.not.equal(undefined);
            // the kernel itself adds BPF_F_RDONLY_PROG to devmaps (dev_map_alloc: lookups return
            // a pointer to the ifindex); the object's definition does not carry it
            const kernelAdds = m.type === MapType.DEVMAP || m.type === MapType.DEVMAP_HASH ? 0x80 : 0;
            expect([m.type, m.keySize, m.valueSize, m.maxEntries, m.flags | kernelAdds], km.name).to.deep.equal([
              BPFTOOL_MAP_TYPES[km.type], km.bytes_key, km.bytes_value, km.max_entries, km.flags,
            ]);
          }
        });

        it("has the kernel's license verdict", () => {
          for (const rp of rec.programs) expect(obj.gplCompatible).to.equal(rp.gpl_compatible);
        });
      });
    }
  });

  describe("maps", () => {
    it("BTF-defined maps in DATASEC order with types, sizes, flags, pinning and BTF ids", () => {
      const o = load("maps");
      expect(o.maps.map((m) => m.name)).to.deep.equal(["flows", "counters", "pcpu_stats", "lru", "prefixes", "pinned_cfg", "tx_ports", "events", "misc"]);
      o.maps.forEach((m, i) => expect(m.index).to.equal(i));
      const m = Object.fromEntries(o.maps.map((x) => [x.name, x]));
      expect(o.btf!.typeName(m.flows.btfKeyTypeId)).to.equal("struct flow_key");
      expect(o.btf!.typeName(m.flows.btfValueTypeId)).to.equal("struct flow_stats");
      expect(m.flows).to.include({ type: MapType.HASH, keySize: 16, valueSize: 40, maxEntries: 1024, isGlobalData: false, readOnly: false });
      expect(m.prefixes).to.include({ type: MapType.LPM_TRIE, keySize: 8, valueSize: 4, flags: 1 });
      expect(m.lru).to.include({ keySize: 4, valueSize: 8, btfKeyTypeId: 0, btfValueTypeId: 0 });
      expect(m.pinned_cfg).to.include({ pinning: 1, numaNode: 0 });
      expect(m.events).to.include({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 });
      expect(o.btf!.typeName(m.misc.btfKeyTypeId)).to.equal("u32_alias");
    });

    it("legacy SEC(\"maps\") definitions come first, in symbol order", () => {
      const o = load("legacy");
      expect(o.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.flags])).to.deep.equal([
        ["legacy_counts", MapType.ARRAY, 4, 8, 16, 0],
        ["legacy_hash", MapType.HASH, 4, 4, 64, 1],
        ["btf_map", MapType.ARRAY, 4, 4, 1, 0],
      ]);
      const p = o.programs[0];
      expect(p.mapRefs).to.deep.equal([0, 1, 2]);
      expect(o.license).to.equal("MIT");
      expect(o.gplCompatible).to.equal(false);
    });

    it("static prog-array initialisation and inner-map templates", () => {
      const o = load("tailcall");
      const jmp = o.maps.find((m) => m.name === "jmp_table")!;
      expect(jmp).to.include({ type: MapType.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4 });
      const recorded = (recording("tailcall").dumps.jmp_table as RecordedEntry[]).map((e) => ({ slot: e.key.map((x) => parseInt(x, 16)).reduce((a, b, i) => a + (b << (8 * i)), 0), program: e.prog }));
      expect(jmp.progArrayInit).to.deep.equal(recorded);
      expect(recorded).to.deep.equal([{ slot: 0, program: "tail_pass" }, { slot: 2, program: "tail_drop" }]);
      const outer = o.maps.find((m) => m.name === "outer")!;
      expect(outer).to.include({ type: MapType.HASH_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 8 });
      expect(outer.innerMap).to.include({ name: "outer.inner", type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 2 });
      expect(outer.mapInMapInit).to.equal(undefined);
    });
  });

  describe("global data", () => {
    const o = load("globals");
    const m = Object.fromEntries(o.maps.map((x) => [x.name, x]));

    it("one ARRAY per non-empty .data/.rodata/.bss section, in section order", () => {
      expect(o.maps.map((x) => x.name)).to.deep.equal([".rodata", ".data", ".data.stats", ".bss", ".rodata.str1.1"]);
      for (const x of o.maps) expect(x).to.include({ type: MapType.ARRAY, keySize: 4, maxEntries: 1, isGlobalData: true });
      expect([m[".rodata"].valueSize, m[".data"].valueSize, m[".data.stats"].valueSize, m[".bss"].valueSize, m[".rodata.str1.1"].valueSize]).to.deep.equal([29, 16, 16, 26, 15]);
      expect(m[".rodata"]).to.include({ readOnly: true, flags: 0x480 });
      expect(m[".data"]).to.include({ readOnly: false, flags: 0x400 });
      expect(o.btf!.typeName(m[".bss"].btfValueTypeId)).to.equal(".bss");
      expect(m[".rodata.str1.1"].btfValueTypeId).to.equal(0);
    });

    it("initial contents from the section (bss zeroed)", () => {
      const ro = m[".rodata"].initialValue!;
      const dv = new DataView(ro.buffer, ro.byteOffset);
      expect(dv.getUint32(0, true)).to.equal(53);
      expect(dv.getInt16(4, true)).to.equal(-1);
      expect(dv.getBigUint64(8, true)).to.equal(0x1122334455667788n);
      expect(ro[16]).to.equal(1);
      expect(new TextDecoder().decode(ro.subarray(17, 28))).to.equal("drop len=%u");
      expect(new TextDecoder().decode(m[".rodata.str1.1"].initialValue!)).to.equal("big packet %u\n\0");
      const data = m[".data"].initialValue!;
      expect(new DataView(data.buffer, data.byteOffset).getInt32(8, true)).to.equal(-3);
      expect([...m[".bss"].initialValue!].every((b) => b === 0)).to.equal(true);
    });

    it("lists variables with offsets from ELF symbols and their BTF types", () => {
      const g = (n: string) => o.globals.find((x) => x.name === n)!;
      expect(g("magic")).to.include({ mapIndex: 0, offset: 8, size: 8 });
      expect(o.btf!.typeName(g("magic").btfTypeId)).to.equal("const volatile __u64");
      expect(g("static_seen")).to.include({ mapIndex: 1, offset: 12, size: 4 });
      expect(g("bss_arr")).to.include({ mapIndex: 3, offset: 8, size: 16 });
      expect(o.btf!.typeName(g("bss_arr").btfTypeId)).to.equal("__u32[4]");
      expect(g("sec_stats")).to.include({ mapIndex: 2, offset: 0, size: 16 });
    });

    it("relocates global accesses to BPF_PSEUDO_MAP_VALUE with the variable's offset", () => {
      const p = o.programs[0];
      const loads = p.insns.map((x, i) => ({ x, next: p.insns[i + 1] })).filter(({ x }) => x.op === 0x18 && x.src === BPF_PSEUDO_MAP_VALUE);
      const pairs = loads.map(({ x, next }) => `${o.maps[x.imm].name}+${next.imm}`);
      // enabled, pkt_count, static_seen (section symbol + imm), static_bss, sec_stats, zero_total,
      // bss_arr, last_len, min_len, drop_port, magic, the bpf_printk format, the string literal
      expect(pairs).to.deep.equal([".rodata+16", ".data+0", ".data+12", ".bss+24", ".data.stats+0", ".bss+0", ".bss+8", ".data+8", ".rodata+4", ".rodata+0", ".rodata+8", ".rodata+17", ".rodata.str1.1+0"]);
    });

    it("const volatile overrides are written little-endian into .rodata", () => {
      const c = load("globals", new Map([["drop_port", 80n], ["min_len", -2n], ["magic", 0xffffffffffffffffn], ["enabled", 0n]]));
      const ro = c.maps[0].initialValue!;
      const dv = new DataView(ro.buffer, ro.byteOffset);
      expect(dv.getUint32(0, true)).to.equal(80);
      expect(dv.getInt16(4, true)).to.equal(-2);
      expect(dv.getBigUint64(8, true)).to.equal(0xffffffffffffffffn);
      expect(ro[16]).to.equal(0);
      // the original object is untouched by a second load
      expect(new DataView(load("globals").maps[0].initialValue!.buffer).getUint32(0, true)).to.equal(53);
    });

    it("rejects unknown consts and values that do not fit", () => {
      const e = thrown(() => load("globals", new Map([["drop_prot", 1n]])));
      expect(e).to.be.instanceOf(UsageError);
      expect(e.message).to.equal("globals.o: no const volatile variable 'drop_prot' in .rodata; available: drop_port, min_len, magic, enabled");
      expect(thrown(() => load("globals", new Map([["enabled", 256n]]))).message).to.equal("globals.o: value 256 does not fit const 'enabled' (1 byte)");
      expect(thrown(() => load("globals", new Map([["min_len", -32769n]]))).message).to.contain("does not fit const 'min_len' (2 bytes)");
      expect(() => load("globals", new Map([["min_len", 65535n]]))).to.not.throw();
      expect(thrown(() => load("calls", new Map([["x", 1n]]))).message).to.contain("available: (none)");
    });
  });

  describe("programs and relocations", () => {
    const o = load("calls");

    it("programs in section/offset order with their sections", () => {
      expect(o.programs.map((p) => [p.name, p.section])).to.deep.equal([
        ["xdp_calls", "xdp"], ["xdp_second", "xdp"], ["xdp_frags_prog", "xdp.frags"], ["xdp_devmap_prog", "xdp/devmap"],
      ]);
    });

    it("appends .text sub-programs depth-first on first reference", () => {
      const layout = (n: string) => prog(o, n).subprogs.map((s) => `${s.name}@${s.start}`);
      expect(layout("xdp_calls")).to.deep.equal(["xdp_calls@0", "count_len@15", "classify@21", "bump@33", "run_loop@44", "loop_cb@53"]);
      expect(layout("xdp_frags_prog")).to.deep.equal(["xdp_frags_prog@0", "bump@14", "count_len@25", "classify@31"]);
      expect(layout("xdp_second")).to.deep.equal(["xdp_second@0", "classify@11"]);
      expect(prog(o, "xdp_calls").insns).to.have.length(65);
    });

    it("rewrites calls and function pointers relative to the linked image", () => {
      const p = prog(o, "xdp_calls");
      const target = (i: number) => i + p.insns[i].imm + 1;
      const at = (n: string) => p.subprogs.find((s) => s.name === n)!.start;
      expect(p.insns[4]).to.include({ op: 0x85, src: BPF_PSEUDO_CALL, imm: 10 }); // call pc+10 in xlated
      expect(target(4)).to.equal(at("count_len"));
      expect(target(12)).to.equal(at("run_loop"));
      expect(target(at("count_len"))).to.equal(at("classify")); // call without relocation inside .text
      expect(target(at("count_len") + 3)).to.equal(at("bump"));
      const ld = at("run_loop") + 4;
      expect(p.insns[ld]).to.include({ op: 0x18, src: BPF_PSEUDO_FUNC });
      expect(target(ld)).to.equal(at("loop_cb"));
      expect(p.insns[ld + 1].imm).to.equal(0);
    });

    it("relocates map and data references in appended code", () => {
      const p = prog(o, "xdp_calls");
      const bump = p.subprogs.find((s) => s.name === "bump")!.start;
      expect(p.insns[bump + 3]).to.include({ op: 0x18, src: BPF_PSEUDO_MAP_FD, imm: 0 });
      const cb = p.subprogs.find((s) => s.name === "loop_cb")!.start;
      expect(p.insns[cb + 2]).to.include({ op: 0x18, src: BPF_PSEUDO_MAP_VALUE, imm: 1 });
      expect(p.insns[cb + 3].imm).to.equal(0);
      expect(p.mapRefs).to.deep.equal([0, 1]);
    });

    it("handles the same sub-program at different places in different programs", () => {
      const a = prog(o, "xdp_calls");
      const b = prog(o, "xdp_frags_prog");
      const body = (p: ProgramSpec, n: string) => { const s = p.subprogs.find((x) => x.name === n)!; return p.insns.slice(s.start, s.end); };
      expect(body(a, "classify")).to.deep.equal(body(b, "classify"));
      // count_len's call to bump points forward in one image (+14) and backward in the other (-15)
      expect(body(a, "count_len")[3].imm).to.equal(14);
      expect(body(b, "count_len")[3].imm).to.equal(-15);
      for (const p of [a, b]) {
        const s = p.subprogs.find((x) => x.name === "count_len")!.start;
        expect(s + 3 + p.insns[s + 3].imm + 1).to.equal(p.subprogs.find((x) => x.name === "bump")!.start);
        expect(s + p.insns[s].imm + 1).to.equal(p.subprogs.find((x) => x.name === "classify")!.start);
      }
    });

    it("line info rebased to the image, with file, line and column", () => {
      const p = prog(o, "xdp_calls");
      const cb = p.subprogs.find((s) => s.name === "loop_cb")!.start;
      const first = p.lineInfo.find((l) => l.insn >= cb)!;
      expect(first.file).to.match(/calls\.bpf\.c$/);
      expect(first.text).to.equal("static int loop_cb(__u32 i, void *ctx)");
      expect(first.line).to.equal(44);
      expect(p.lineInfo.every((l, i) => i === 0 || l.insn >= p.lineInfo[i - 1].insn)).to.equal(true);
    });

    it("BTF as libbpf loads it: DATASEC offsets fixed, hidden global sub-programs static", () => {
      const g = load("globals");
      const rodata = g.btf!.find(".rodata", BtfKind.DATASEC)!;
      expect(rodata.size).to.equal(29);
      expect(rodata.vars.map((v) => [g.btf!.type(v.type).name, v.offset])).to.deep.equal([
        ["drop_port", 0], ["min_len", 4], ["magic", 8], ["enabled", 16], ["xdp_globals.____fmt", 17],
      ]);
      expect(o.btf!.find("count_len", BtfKind.FUNC)!.linkage).to.equal(BTF_FUNC_GLOBAL);
      const b = objectBytes("calls");
      const elf = readElf(b, "calls.o");
      const idx = elf.symbols.findIndex((s) => s.name === "count_len");
      b[findSection(elf, ".symtab")!.offset + idx * 24 + 5] = STV_HIDDEN; // st_other
      const hidden = loadObject(b, "calls.o");
      expect(hidden.btf!.find("count_len", BtfKind.FUNC)!.linkage).to.equal(BTF_FUNC_STATIC);
      expect(hidden.programs[0].insns).to.deep.equal(o.programs[0].insns);
    });

    it("a -mcpu=v4 object links the same way", () => {
      const v4 = load("v4");
      expect(v4.programs[0].subprogs.map((s) => s.name)).to.deep.equal(["xdp_v4", "mix"]);
      expect(v4.programs[0].insns.some((x) => x.op === 0x91)).to.equal(true); // ldxsb
      expect(v4.license).to.equal("Dual MIT/GPL");
    });
  });

  describe("license", () => {
    it("follows the kernel's license_is_gpl_compatible", () => {
      for (const ok of ["GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"]) expect(isGplCompatible(ok), ok).to.equal(true);
      for (const no of ["MIT", "gpl", "GPLv2", "Proprietary", ""]) expect(isGplCompatible(no), no).to.equal(false);
      expect(load("kinds").license).to.equal("GPL and additional rights");
    });
  });

  describe("unsupported features", () => {
    it("kfunc calls", () => {
      const e = thrown(() => load("kfunc"));
      expect(e).to.be.instanceOf(LoadError);
      expect(e.message).to.equal("kfunc.o: program 'xdp_kfunc': insn #7: kfunc call to 'bpf_xdp_metadata_rx_hash' is not supported (kernel functions are not simulated)");
    });

    it(".kconfig externs", () => {
      expect(thrown(() => load("kconfig")).message).to.equal("kconfig.o: program 'xdp_kconfig': insn #0: .kconfig extern 'LINUX_KERNEL_VERSION' is not supported");
    });

    it("CO-RE relocations asking for kernel type ids; local CO-RE relocations load as compiled", () => {
      expect(thrown(() => load("core")).message).to.contain("program 'xdp_core_kernel': insn #0: CO-RE relocation asks for the kernel's BTF id of struct task_struct");
      const local = load("core_local");
      expect(local.programs.map((p) => p.name)).to.deep.equal(["xdp_core_local"]);
      expect(local.programs[0].insns[1].imm).to.equal(14); // sizeof(struct ethhdr), as the kernel resolved it
    });
  });

  describe("broken objects", () => {
    const good = objectBytes("calls");
    const elf = readElf(good, "calls.o");

    it("a relocation on an instruction that is neither a call nor ld_imm64", () => {
      const b = good.slice();
      b[findSection(elf, "xdp")!.offset + 0x20] = 0xb7; // the relocated call becomes a mov
      expect(thrown(() => loadObject(b, "bad.o")).message).to.equal("bad.o: program 'xdp_calls': insn #4 relocation against 'count_len': not a call or ld_imm64 (opcode 0xb7)");
    });

    it("a call relocation into a section other than .text", () => {
      const b = good.slice();
      const symtab = findSection(elf, ".symtab")!;
      const idx = elf.symbols.findIndex((s) => s.name === "count_len");
      new DataView(b.buffer).setUint16(symtab.offset + idx * 24 + 6, findSection(elf, ".maps")!.index, true);
      expect(thrown(() => loadObject(b, "bad.o")).message).to.contain("bad call relocation into section '.maps' (sub-programs must be in .text)");
    });

    it("a map reference that matches no map definition", () => {
      const b = good.slice();
      const symtab = findSection(elf, ".symtab")!;
      const idx = elf.symbols.findIndex((s) => s.name === "hits");
      new DataView(b.buffer).setBigUint64(symtab.offset + idx * 24 + 8, 8n, true); // st_value
      expect(thrown(() => loadObject(b, "bad.o"))).to.be.instanceOf(LoadError);
    });

    it("a program crossing its section's end", () => {
      const b = good.slice();
      const symtab = findSection(elf, ".symtab")!;
      const idx = elf.symbols.findIndex((s) => s.name === "xdp_devmap_prog");
      new DataView(b.buffer).setBigUint64(symtab.offset + idx * 24 + 16, 0x800n, true); // st_size
      expect(thrown(() => loadObject(b, "bad.o")).message).to.equal("bad.o: section xdp/devmap: program 'xdp_devmap_prog' at offset 0 crosses the section boundary");
    });

    it("truncated and foreign files fail with an ElfError through loadObjectFile", async () => {
      let err: unknown;
      try {
        await loadObjectFile(objectPath("x86"));
      } catch (e) {
        err = e;
      }
      expect(String((err as Error).message)).to.contain("machine 62 (x86-64) is not BPF");
      try {
        await loadObjectFile(objectPath("does-not-exist"));
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(LoadError);
      expect((err as Error).message).to.match(/does-not-exist\.o: cannot read: ENOENT/);
    });
  });
});
