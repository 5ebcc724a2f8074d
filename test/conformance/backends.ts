// The execution backends every conformance test runs under: one golden table, every backend.
// The JIT joins by adding its factory here (both must agree bit for bit: RFC 9669 semantics).

import type { BackendFactory } from "../../src/exec/backend.js";
import { createInterpreter } from "../../src/exec/interpreter/create-interpreter.js";
import { createJit } from "../../src/exec/jit/create-jit.js";

export interface BackendUnderTest {
  name: string;
  factory: BackendFactory;
}

export const BACKENDS: BackendUnderTest[] = [
  { name: "interp", factory: createInterpreter },
  { name: "jit", factory: (rt) => createJit(rt) },
];
