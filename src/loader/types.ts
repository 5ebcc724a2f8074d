// What the loader hands to the rest of the pipeline: programs with relocations applied (libbpf's
// layout: the program, then the .text sub-programs it calls appended), map definitions, globals.
// Kernel reference: tools/lib/bpf/libbpf.c (bpf_object__relocate, bpf_program__append_subprog...).

import type { Insn } from "../isa/insn.js";

/** enum bpf_map_type (include/uapi/linux/bpf.h). */
export const enum MapType {
  UNSPEC = 0,
  HASH = 1,
  ARRAY = 2,
  PROG_ARRAY = 3,
  PERF_EVENT_ARRAY = 4,
  PERCPU_HASH = 5,
  PERCPU_ARRAY = 6,
  STACK_TRACE = 7,
  CGROUP_ARRAY = 8,
  LRU_HASH = 9,
  LRU_PERCPU_HASH = 10,
  LPM_TRIE = 11,
  ARRAY_OF_MAPS = 12,
  HASH_OF_MAPS = 13,
  DEVMAP = 14,
  SOCKMAP = 15,
  CPUMAP = 16,
  XSKMAP = 17,
  SOCKHASH = 18,
  CGROUP_STORAGE = 19,
  REUSEPORT_SOCKARRAY = 20,
  PERCPU_CGROUP_STORAGE = 21,
  QUEUE = 22,
  STACK = 23,
  SK_STORAGE = 24,
  DEVMAP_HASH = 25,
  STRUCT_OPS = 26,
  RINGBUF = 27,
}

/** A map as the object defines it (after BTF/legacy parsing, before creation). */
export interface MapSpec {
  /** Slot number: position in ObjectSpec.maps; relocated ld_imm64 instructions carry it in imm. */
  index: number;
  /** Symbol name, or ".bss" / ".data" / ".rodata" / ".rodata.str1.1" / ".data.foo" for global data. */
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** BTF type ids of key and value (0 when unknown, e.g. legacy maps or key_size-only definitions). */
  btfKeyTypeId: number;
  btfValueTypeId: number;
  /** True for global-data maps made from .data*, .rodata*, .bss, .kconfig sections. */
  isGlobalData: boolean;
  /** Initial contents of a global-data map (zeros for .bss), valueSize bytes. */
  initialValue?: Uint8Array;
  /** .rodata* maps are frozen: the program cannot write them (BPF_F_RDONLY_PROG). */
  readOnly: boolean;
  /** LIBBPF_PIN_BY_NAME etc. from BTF `pinning` (0 none). */
  pinning: number;
  numaNode: number;
  /** Static prog-array initialisation: slot → program function name (`.values = {[0] = &prog}`). */
  progArrayInit?: { slot: number; program: string }[];
  /** Static map-in-map initialisation: slot → map slot in ObjectSpec.maps (`.values = {[0] = &inner}`). */
  mapInMapInit?: { slot: number; map: number }[];
  /** Inner map template for ARRAY_OF_MAPS / HASH_OF_MAPS, when declared. */
  innerMap?: MapSpec;
  /**
   * Byte offset of a `struct bpf_spin_lock` in the value (from BTF), when the value has one:
   * enables BPF_F_LOCK updates; the lock word is never copied by updates and reads back as zeros.
   */
  spinLockOffset?: number;
}

/** A `const volatile` (or other) global variable inside a global-data map. */
export interface GlobalVar {
  name: string;
  /** Map slot of its section's global-data map. */
  mapIndex: number;
  offset: number;
  size: number;
  /** BTF type id of the variable's type (0 when no BTF). */
  btfTypeId: number;
}

export interface FuncInfo {
  /** Instruction index in the linked program image. */
  insn: number;
  name: string;
  btfTypeId: number;
}

export interface LineInfo {
  /** Instruction index in the linked program image. */
  insn: number;
  file: string;
  /** Source line text (as stored in BTF, without trailing newline). */
  text: string;
  line: number;
  col: number;
}

/** A function inside a linked program image. */
export interface SubprogRange {
  name: string;
  /** First instruction index (in the linked image) and one past the last. */
  start: number;
  end: number;
}

/**
 * One loadable program: its own instructions followed by every .text sub-program it (transitively)
 * calls, in libbpf's order. Relocations are applied:
 *  - ld_imm64 map reference: src = BPF_PSEUDO_MAP_FD, imm = map slot, next.imm = 0;
 *  - ld_imm64 global data:   src = BPF_PSEUDO_MAP_VALUE, imm = map slot, next.imm = byte offset;
 *  - ld_imm64 function ptr:  src = BPF_PSEUDO_FUNC, imm = target - (pc + 1) (relative, as the kernel);
 *  - call local:             src = BPF_PSEUDO_CALL, imm = target - (pc + 1).
 */
export interface ProgramSpec {
  /** Function name (what --prog selects). */
  name: string;
  /** ELF section, e.g. "xdp", "xdp.frags", "xdp/devmap". */
  section: string;
  insns: Insn[];
  /** subprogs[0] is the program itself; the rest are appended .text functions. */
  subprogs: SubprogRange[];
  funcInfo: FuncInfo[];
  lineInfo: LineInfo[];
  /**
   * Map slots this program references (for `prog show` map_ids): in order of first reference in
   * the image, then the .rodata* maps libbpf binds to every program (bpf_prog_bind_map).
   */
  mapRefs: number[];
}

/** Everything loaded from one ELF object. */
export interface ObjectSpec {
  /** Path as given by the user (used in messages). */
  file: string;
  license: string;
  /** GPL-compatible license (helpers marked gpl_only need it), as the kernel's license_is_gpl_compatible. */
  gplCompatible: boolean;
  /** XDP programs (sections xdp*), in section/symbol order. The first is the default entry. */
  programs: ProgramSpec[];
  maps: MapSpec[];
  globals: GlobalVar[];
  /** Parsed BTF (types, strings); null when the object has no .BTF section. */
  btf: import("../btf/types.js").Btf | null;
}
