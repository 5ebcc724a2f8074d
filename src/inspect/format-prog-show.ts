// `prog show`: one program's bpf_prog_info as bpftool prints it (plain and -j), with xdpsim's
// deterministic ids. Spec: tools/bpf/bpftool/prog.c (print_prog_plain, print_prog_json).

import { VerifierError } from "../errors.js";
import { computeTag } from "../loader/compute-tag.js";
import { applyVerifierRewrites } from "./apply-verifier-rewrites.js";
import type { ObjectSpec } from "../loader/types.js";
import { BTF_ID, kernelProgName, mapId, progId } from "./object-ids.js";

export interface ProgInfo {
  id: number;
  type: "xdp";
  name: string;
  tag: string;
  gpl_compatible: boolean;
  bytes_xlated: number;
  jited: boolean;
  bytes_jited?: number;
  map_ids?: number[];
  btf_id?: number;
}

/**
 * bpf_prog_info of obj.programs[progIndex]. bytes_xlated is the size of the program after the verifier's
 * rewrites (as `prog dump xlated` prints it; the loaded size when the kernel would reject the program);
 * bytes_jited (when `jitedBytes` is given) is the size of the generated JavaScript.
 */
export function progInfo(obj: ObjectSpec, progIndex: number, jitedBytes?: number): ProgInfo {
  const p = obj.programs[progIndex];
  const info: ProgInfo = {
    id: progId(progIndex),
    type: "xdp",
    name: kernelProgName(p.name),
    tag: computeTag(p),
    gpl_compatible: obj.gplCompatible,
    bytes_xlated: xlatedBytes(obj, progIndex),
    jited: jitedBytes !== undefined,
  };
  if (jitedBytes !== undefined) info.bytes_jited = jitedBytes;
  if (p.mapRefs.length) info.map_ids = p.mapRefs.map(mapId);
  if (obj.btf) info.btf_id = BTF_ID;
  return info;
}

function xlatedBytes(obj: ObjectSpec, progIndex: number): number {
  try {
    return applyVerifierRewrites(obj, progIndex).insns.length * 8;
  } catch (e) {
    if (e instanceof VerifierError) return obj.programs[progIndex].insns.length * 8;
    throw e;
  }
}

/** print_prog_plain's lines (loaded_at/uid/memlock omitted: a simulation has none). */
export function formatProgShowPlain(i: ProgInfo): string {
  let s = `${i.id}: ${i.type}  name ${i.name}  tag ${i.tag}${i.gpl_compatible ? "  gpl" : ""}\n`;
  s += `\txlated ${i.bytes_xlated}B`;
  s += i.bytes_jited !== undefined ? `  jited ${i.bytes_jited}B` : "  not jited";
  if (i.map_ids?.length) s += `  map_ids ${i.map_ids.join(",")}`;
  if (i.btf_id) s += `\n\tbtf_id ${i.btf_id}`;
  return s + "\n";
}
