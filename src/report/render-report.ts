// Self-contained HTML report of a run (`xdpsim test --report DIR`): verdict mix, packets per second
// over the capture's time, top dropped flows, per-line heat of the program source; inline SVG, no CDN.

import { readFile } from "node:fs/promises";
import type { PacketRun } from "../testing/run-spec.js";
import { REPORT_VERDICTS, ReportAccumulator } from "./accumulate-report.js";

export interface ReportInput {
  title: string;
  program: string;
  object: string;
  /** The packets: spec runs (xdpsim test) or an accumulator filled during a replay (xdpsim run). */
  runs: PacketRun[] | ReportAccumulator;
  /** Source file → line → execution count (CoverageCollector.lineCounts()). */
  lineCounts?: Map<string, Map<number, number>>;
  /** Test cases, when the report comes from `xdpsim test`. */
  cases?: { name: string; ok: boolean; failures: string[] }[];
}

const VERDICT_COLORS: Record<string, string> = {
  XDP_PASS: "#2e7d32", XDP_DROP: "#c62828", XDP_TX: "#1565c0", XDP_REDIRECT: "#6a1b9a", XDP_ABORTED: "#ef6c00", skipped: "#757575",
};

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Feed spec-run packets (xdpsim test) into an accumulator. */
export function accumulateRuns(runs: PacketRun[]): ReportAccumulator {
  const acc = new ReportAccumulator();
  for (const r of runs) {
    const ns = r.timestampNs;
    acc.add(r.result?.verdict ?? "skipped", Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n), r.input);
  }
  return acc;
}

/** Horizontal bar per verdict with counts. */
export function renderVerdictMix(acc: ReportAccumulator): string {
  const rows = [...acc.verdicts].sort((a, b) => b[1] - a[1]);
  const max = Math.max(1, ...rows.map(([, n]) => n));
  const h = 24 * rows.length + 10;
  const bars = rows.map(([v, n], i) => {
    const w = Math.round((n / max) * 380);
    return `<text x="0" y="${i * 24 + 20}" font-size="13">${esc(v)}</text>` +
      `<rect class="bar" data-verdict="${esc(v)}" x="120" y="${i * 24 + 6}" width="${w}" height="18" fill="${VERDICT_COLORS[v] ?? "#999"}"/>` +
      `<text x="${126 + w}" y="${i * 24 + 20}" font-size="13">${n} (${((100 * n) / acc.packets).toFixed(1)}%)</text>`;
  }).join("");
  return `<svg id="verdict-mix" xmlns="http://www.w3.org/2000/svg" width="640" height="${h}" role="img" aria-label="verdict mix">${bars}</svg>`;
}

/** Packets per second of capture time, stacked by verdict, in up to 60 equal time buckets. */
export function renderPpsChart(acc: ReportAccumulator): string {
  if (acc.packets === 0) return "<p>no packets</p>";
  const { spanS, bucketS, counts, outside } = acc.histogram(60);
  const nb = counts.length;
  const maxPps = Math.max(1e-9, ...counts.map((c) => c.reduce((a, n) => a + n, 0) / bucketS));
  const W = 640, H = 200, left = 50, bw = (W - left - 10) / nb;
  let svg = "";
  counts.forEach((c, k) => {
    let y = H - 20;
    REPORT_VERDICTS.forEach((v, j) => {
      const n = c[j];
      if (!n) return;
      const hh = ((n / bucketS) / maxPps) * (H - 40);
      y -= hh;
      svg += `<rect class="pps" x="${(left + k * bw).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(bw - 1, 0.5).toFixed(1)}" height="${hh.toFixed(1)}" fill="${VERDICT_COLORS[v]}"><title>${v}: ${(n / bucketS).toFixed(1)} pps</title></rect>`;
    });
  });
  svg += `<line x1="${left}" y1="${H - 20}" x2="${W - 10}" y2="${H - 20}" stroke="#333"/><line x1="${left}" y1="10" x2="${left}" y2="${H - 20}" stroke="#333"/>`;
  svg += `<text x="0" y="24" font-size="11">${maxPps.toFixed(maxPps < 10 ? 1 : 0)} pps</text><text x="0" y="${H - 20}" font-size="11">0</text>`;
  svg += `<text x="${left}" y="${H - 4}" font-size="11">0 s</text><text x="${W - 60}" y="${H - 4}" font-size="11">${spanS.toFixed(spanS < 10 ? 2 : 0)} s</text>`;
  const note = outside > 0 ? `<p>${outside} packets with capture times outside the central 99 % are not drawn</p>` : "";
  return `<svg id="pps" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="packets per second over the capture">${svg}</svg>${note}`;
}

async function renderHeat(lineCounts: Map<string, Map<number, number>>): Promise<string> {
  const parts: string[] = [];
  for (const [file, lines] of lineCounts) {
    let src: string[];
    try {
      src = (await readFile(file, "utf8")).split("\n");
    } catch {
      parts.push(`<p>${esc(file)}: source not readable; ${lines.size} lines with counts</p>`);
      continue;
    }
    const max = Math.max(1, ...lines.values());
    const rows = src.map((text, i) => {
      const n = lines.get(i + 1);
      const heat = n === undefined ? "" : n === 0 ? "background:#fde0e0" : `background:rgba(255,140,0,${(0.1 + 0.8 * Math.log1p(n) / Math.log1p(max)).toFixed(2)})`;
      return `<tr style="${heat}"><td class="ln">${i + 1}</td><td class="n">${n ?? ""}</td><td><code>${esc(text)}</code></td></tr>`;
    }).join("\n");
    parts.push(`<h3>${esc(file)}</h3><table class="src">${rows}</table>`);
  }
  return parts.join("\n");
}

/** The whole report as one HTML document (inline CSS and SVG, no scripts, no external resources). */
export async function renderReport(input: ReportInput): Promise<string> {
  const acc = input.runs instanceof ReportAccumulator ? input.runs : accumulateRuns(input.runs);
  const flows = acc.topDroppedFlows();
  const other = acc.otherFlowPackets ? `<p>${acc.otherFlowPackets} more dropped packets in flows beyond the first 100,000 tracked</p>` : "";
  const casesHtml = input.cases ? `<h2>Expectations</h2><ul>${input.cases.map((c) => `<li class="${c.ok ? "ok" : "fail"}">${c.ok ? "✓" : "✗"} ${esc(c.name)}${c.failures.length ? `<pre>${esc(c.failures.join("\n"))}</pre>` : ""}</li>`).join("")}</ul>` : "";
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)} — xdpsim report</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left}
.src td{padding:0 6px;font-size:12px}.ln,.n{color:#666;text-align:right}.ok{color:#2e7d32}.fail{color:#c62828}pre{white-space:pre-wrap}</style></head>
<body><h1>${esc(input.title)}</h1>
<p>program <b>${esc(input.program)}</b> of ${esc(input.object)} — ${acc.packets} packets</p>
${casesHtml}
<h2>Verdict mix</h2>${renderVerdictMix(acc)}
<h2>Packets per second over the capture</h2>${renderPpsChart(acc)}
<h2>Top dropped flows</h2>
<table id="dropped"><tr><th>packets</th><th>verdict</th><th>flow</th></tr>${flows.map((f) => `<tr><td>${f.packets}</td><td>${f.verdict}</td><td>${esc(f.flow)}</td></tr>`).join("")}</table>${other}
<h2>Source heat (executions per line)</h2>${input.lineCounts ? await renderHeat(input.lineCounts) : "<p>no coverage data</p>"}
</body></html>
`;
}
