// xdpsim's public library API (narrow on purpose): load an object, fill maps, run packets or a
// capture, read maps and verdicts. See README "Library API".
export { XdpsimError, BpfFault, ElfError, CaptureError, VerifierError, UsageError } from "./errors.js";
export { loadProgram, XdpProgram, MapHandle, type LoadProgramOptions, type PacketResult } from "./pipeline/xdp-program.js";
export type { ReplayStats } from "./pipeline/replay-capture.js";
export { XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT } from "./isa/opcodes.js";
// Regression testing (README "Regression tests"): specs, packet builder, explain, coverage, JUnit.
export { loadSpec, validateSpec, SpecError, type TestSpec, type Expectation, type InlinePacket, type PacketExpect } from "./testing/load-spec.js";
export { runSpec, type SpecResult, type CaseResult, type PacketRun, type RunSpecOptions } from "./testing/run-spec.js";
export { buildPacket, type PacketFields } from "./testing/build-packet.js";
export { formatJunit } from "./testing/format-junit.js";
export { explainPacket, formatExplanation, type Explanation } from "./explain/explain-packet.js";
export { CoverageCollector, type CoverageSummary } from "./coverage/collect-coverage.js";
export { chaiXdpsim } from "./testing/chai-xdpsim.js";
