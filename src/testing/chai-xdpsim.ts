// chai plugin for packet results: `chai.use(chaiXdpsim)`, then `expect(r).to.have.verdict("XDP_DROP")`,
// `.redirectTo(3)`, `.outputBytes("0a0b…")`. Spec: chai's plugin API (Assertion.addMethod, utils.flag).

import { normalizeVerdict } from "./load-spec.js";
import { toHex } from "../pipeline/parse-bytes.js";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Chai {
    interface Assertion {
      /** The PacketResult has this verdict ("XDP_DROP" or "drop"). */
      verdict(v: string): Assertion;
      /** The PacketResult was redirected to this target (ifindex, cpu or queue). */
      redirectTo(target: number, kind?: "ifindex" | "cpu" | "xsk" | "broadcast"): Assertion;
      /** The PacketResult's output frame equals these bytes (hex string or bytes). */
      outputBytes(expected: string | Uint8Array): Assertion;
    }
  }
}

// Loose on purpose: chai's own types are not a dependency of the library.
/* eslint-disable @typescript-eslint/no-explicit-any */
interface ChaiLike {
  Assertion: { addMethod(name: string, fn: (this: any, ...args: any[]) => any): void };
}
interface AssertionLike {
  assert(ok: boolean, msg: string, negMsg: string, expected?: unknown, actual?: unknown): void;
}
interface UtilsLike {
  flag(a: any, key: string, value?: any): any;
}
interface ResultLike {
  verdict?: string;
  fault?: string;
  data?: Uint8Array;
  redirect?: { kind: string; target: number };
}

/** The plugin: pass to `chai.use`. */
export function chaiXdpsim(chai: ChaiLike, utils: UtilsLike): void {
  chai.Assertion.addMethod("verdict", function (this: AssertionLike, v: string) {
    const r = utils.flag(this, "object") as ResultLike;
    const want = normalizeVerdict(v) ?? v;
    const fault = r?.fault ? ` (fault: ${r.fault})` : "";
    this.assert(r?.verdict === want, `expected verdict #{exp}, got #{act}${fault}`, "expected a verdict other than #{exp}", want, r?.verdict);
  });
  chai.Assertion.addMethod("redirectTo", function (this: AssertionLike, target: number, kind?: string) {
    const r = utils.flag(this, "object") as ResultLike;
    const got = r?.redirect ? `${r.redirect.kind} ${r.redirect.target}` : "no redirect";
    const ok = !!r?.redirect && r.redirect.target === target && (kind === undefined || r.redirect.kind === kind);
    this.assert(ok, `expected a redirect to #{exp}, got #{act}`, "expected no redirect to #{exp}", `${kind ?? "ifindex"} ${target}`, got);
  });
  chai.Assertion.addMethod("outputBytes", function (this: AssertionLike, expected: string | Uint8Array) {
    const r = utils.flag(this, "object") as ResultLike;
    const want = typeof expected === "string" ? expected.replace(/[\s:]/g, "").toLowerCase() : toHex(expected);
    const got = r?.data ? toHex(r.data) : "";
    let at = 0;
    while (at < want.length && want[at] === got[at]) at++;
    this.assert(want === got, `expected output bytes #{exp}, got #{act} (first difference at byte ${at >> 1})`, "expected other output bytes than #{exp}", want, got);
  });
}
