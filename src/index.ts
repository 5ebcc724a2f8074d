// xdpsim's public library API (narrow on purpose): load an object, fill maps, run packets or a
// capture, read maps and verdicts. See README "Library API".
export { XdpsimError, BpfFault, ElfError, CaptureError, VerifierError, UsageError } from "./errors.js";
export { loadProgram, XdpProgram, MapHandle, type LoadProgramOptions, type PacketResult } from "./pipeline/xdp-program.js";
export type { ReplayStats } from "./pipeline/replay-capture.js";
export { XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT } from "./isa/opcodes.js";
