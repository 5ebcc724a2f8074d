// Map factory: creates the simulated map for a MapSpec (one module per map family).
import type { MapSpec } from "../../loader/types.js";
import type { AddressSpace } from "../memory.js";
import type { BpfMap } from "./bpf-map.js";
import { LoadError } from "../../errors.js";

export function createMap(spec: MapSpec, _mem: AddressSpace, _ncpus: number): BpfMap {
  throw new LoadError(`map '${spec.name}': type ${spec.type} not implemented yet`);
}
