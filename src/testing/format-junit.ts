// JUnit XML for `xdpsim test --junit FILE`: one <testsuite> per spec, one <testcase> per expectation,
// <failure> with the diff lines. Spec: the de-facto Ant/Jenkins JUnit schema (testsuites/testsuite/testcase).

import type { SpecResult } from "./run-spec.js";

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!)
    // XML 1.0 forbids most control characters, even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "?");
}

/** JUnit document for the results of `xdpsim test`; `errors` are specs that could not run at all. */
export function formatJunit(results: SpecResult[], errors: { file: string; message: string }[] = []): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const tests = results.reduce((a, r) => a + r.cases.length, 0) + errors.length;
  const failures = results.reduce((a, r) => a + r.cases.filter((c) => !c.ok).length, 0);
  const secs = (ms: number): string => (ms / 1000).toFixed(3);
  const total = results.reduce((a, r) => a + r.cases.reduce((b, c) => b + c.ms, 0), 0);
  out.push(`<testsuites name="xdpsim test" tests="${tests}" failures="${failures}" errors="${errors.length}" time="${secs(total)}">`);
  for (const r of results) {
    const f = r.cases.filter((c) => !c.ok).length;
    const t = r.cases.reduce((b, c) => b + c.ms, 0);
    out.push(`  <testsuite name="${esc(r.spec.name)}" tests="${r.cases.length}" failures="${f}" errors="0" skipped="0" time="${secs(t)}" file="${esc(r.spec.file)}">`);
    out.push(`    <properties><property name="object" value="${esc(r.spec.object)}"/><property name="program" value="${esc(r.program)}"/></properties>`);
    for (const c of r.cases) {
      const head = `    <testcase classname="${esc(r.spec.name)}" name="${esc(c.name)}" time="${secs(c.ms)}"`;
      if (c.ok) { out.push(`${head}/>`); continue; }
      out.push(`${head}>`);
      out.push(`      <failure message="${esc(c.failures[0] ?? "failed")}" type="mismatch">${esc(c.failures.join("\n"))}</failure>`);
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  for (const e of errors) {
    out.push(`  <testsuite name="${esc(e.file)}" tests="1" failures="0" errors="1" skipped="0" time="0.000">`);
    out.push(`    <testcase classname="${esc(e.file)}" name="load spec" time="0.000"><error message="${esc(e.message)}" type="spec"/></testcase>`);
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return out.join("\n") + "\n";
}
