// A function's C prototype from BTF as bpftool prints it above xlated code (`int f(struct xdp_md * ctx)`):
// btf_dumper_type_only's spelling, pointers as `T *`. Spec: tools/bpf/bpftool/btf_dumper.c (__btf_dumper_type_only).

import { BtfKind, type Btf } from "../btf/types.js";

/** Type text as btf_dumper_type_only spells it (`const struct flow_key *`, `__u32`, `void *`). */
export function formatTypeOnly(btf: Btf, id: number, depth = 0): string {
  if (depth > 32) return "?";
  if (id === 0) return "void";
  const t = btf.types[id];
  if (t === undefined) return "?";
  switch (t.kind) {
    case BtfKind.INT: case BtfKind.FLOAT: case BtfKind.TYPEDEF: return t.name;
    case BtfKind.STRUCT: return `struct ${t.name}`;
    case BtfKind.UNION: return `union ${t.name}`;
    case BtfKind.ENUM: case BtfKind.ENUM64: return `enum ${t.name}`;
    case BtfKind.FWD: return `${t.isUnion ? "union" : "struct"} ${t.name}`;
    case BtfKind.PTR: return `${formatTypeOnly(btf, t.type, depth + 1)} *`;
    case BtfKind.CONST: return `const ${formatTypeOnly(btf, t.type, depth + 1)}`;
    case BtfKind.VOLATILE: return `volatile ${formatTypeOnly(btf, t.type, depth + 1)}`;
    case BtfKind.RESTRICT: return `restrict ${formatTypeOnly(btf, t.type, depth + 1)}`;
    case BtfKind.TYPE_TAG: return formatTypeOnly(btf, t.type, depth + 1);
    case BtfKind.ARRAY: return `${formatTypeOnly(btf, t.type, depth + 1)}[${t.nelems}]`;
    case BtfKind.FUNC_PROTO: return `${formatTypeOnly(btf, t.returnType, depth + 1)} (*)(${formatParams(btf, t.params, depth)})`;
    case BtfKind.FUNC: return formatFuncSignature(btf, id);
    default: return t.name;
  }
}

function formatParams(btf: Btf, params: { name: string; type: number }[], depth: number): string {
  if (params.length === 0) return "void";
  return params.map((p) => (p.type === 0 ? "..." : `${formatTypeOnly(btf, p.type, depth + 1)}${p.name ? ` ${p.name}` : ""}`)).join(", ");
}

/** `int xdp_firewall(struct xdp_md * ctx)` for a BTF FUNC id ("" when it is not a function). */
export function formatFuncSignature(btf: Btf, funcId: number): string {
  const f = btf.types[funcId];
  if (f === undefined || f.kind !== BtfKind.FUNC) return "";
  const proto = btf.types[f.type];
  if (proto === undefined || proto.kind !== BtfKind.FUNC_PROTO) return "";
  return `${formatTypeOnly(btf, proto.returnType)} ${f.name}(${formatParams(btf, proto.params, 0)})`;
}
