// xdpsim's public library API (narrow on purpose): load an object, fill maps, run packets or a
// capture, read maps and verdicts. See README "Library API".
export { XdpsimError, BpfFault } from "./errors.js";
