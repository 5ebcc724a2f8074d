// `xdpsim prog show|dump`: inspect an object's programs the way `bpftool prog show` and `bpftool prog
// dump xlated|jited` inspect loaded ones. Spec: tools/bpf/bpftool/prog.c, xlated_dumper.c, cfg.c.

import type { Argv } from "yargs";
import { UsageError } from "../errors.js";
import { getJitSource } from "../exec/jit/create-jit.js";
import { loadObjectFromFile, selectProgram, Simulation } from "../pipeline/create-simulation.js";
import type { ObjectSpec } from "../loader/types.js";
import { collectXlatedDump, stringifyBpftoolJson, formatXlatedJson, formatXlatedPlain } from "../inspect/dump-xlated.js";
import { formatCfgDot } from "../inspect/format-cfg-dot.js";
import { prettyJson } from "../inspect/format-map.js";
import { formatProgShowPlain, progInfo } from "../inspect/format-prog-show.js";

const XLATED_WORDS = ["linum", "opcodes", "visual"] as const;

/** Print JSON compactly (-j) or indented (-p), like bpftool's json_writer. */
export function writeJson(v: unknown, pretty: boolean): void {
  process.stdout.write((pretty ? JSON.stringify(v, null, 4) : JSON.stringify(v)) + "\n");
}

/** -j/--json and -p/--pretty (pretty implies json), as bpftool's global options. */
export function withJsonOptions<T>(y: Argv<T>) {
  return y
    .option("json", { alias: "j", type: "boolean", default: false, describe: "JSON output" })
    .option("pretty", { alias: "p", type: "boolean", default: false, describe: "indented JSON output (implies --json)" });
}

/** Simulation for JIT source: no verification needed to show code. */
function simulationFor(obj: ObjectSpec, progIndex: number): Simulation {
  return new Simulation(obj, { prog: obj.programs[progIndex].name, noVerify: true, ncpus: 1 });
}

/** Parse `dump xlated` keywords: linum, opcodes, visual (any order), file is not supported. */
export function parseXlatedWords(words: readonly string[]): { linum: boolean; opcodes: boolean; visual: boolean } {
  const out = { linum: false, opcodes: false, visual: false };
  for (const w of words) {
    if (!(XLATED_WORDS as readonly string[]).includes(w)) throw new UsageError(`prog dump xlated: unknown keyword '${w}' (expected ${XLATED_WORDS.join(", ")})`);
    out[w as (typeof XLATED_WORDS)[number]] = true;
  }
  return out;
}

export function registerProgCommand<T>(cli: Argv<T>): Argv<T> {
  return cli.command(
    "prog <action>",
    "inspect programs like bpftool: `prog show OBJ`, `prog dump xlated OBJ [linum] [opcodes] [visual]`, `prog dump jited OBJ`",
    (y) => y
      .command(
        "show <object>",
        "program info like bpftool prog show (all programs unless --prog)",
        (z) => withJsonOptions(z.positional("object", { type: "string", demandOption: true }))
          .option("prog", { type: "string", describe: "function name of the program" }),
        async (argv) => {
          const a = argv as unknown as { object: string; prog?: string; json: boolean; pretty: boolean };
          const obj = await loadObjectFromFile(a.object);
          const indices = a.prog !== undefined ? [selectProgram(obj, a.prog)] : obj.programs.map((_, i) => i);
          if (indices.length === 0) throw new UsageError(`${a.object}: no XDP program (a function in an xdp* section) found`);
          const sim = simulationFor(obj, indices[0]);
          const infos = indices.map((i) => progInfo(obj, i, Buffer.byteLength(getJitSource(sim.rt, i))));
          if (a.json || a.pretty) writeJson(a.prog !== undefined ? infos[0] : infos, a.pretty);
          else process.stdout.write(infos.map(formatProgShowPlain).join(""));
        },
      )
      .command(
        "dump <kind> <object> [words..]",
        "instructions like bpftool prog dump: xlated [linum] [opcodes] [visual], or jited (the generated JavaScript)",
        (z) => withJsonOptions(z.positional("kind", { choices: ["xlated", "jited"] as const })
          .positional("object", { type: "string", demandOption: true })
          .positional("words", { type: "string", array: true, describe: "linum, opcodes, visual" }))
          .option("prog", { type: "string", describe: "function name of the program" }),
        async (argv) => {
          const a = argv as unknown as { kind: "xlated" | "jited"; object: string; words?: string[]; prog?: string; json: boolean; pretty: boolean };
          const words = parseXlatedWords((a.words ?? []).map(String));
          const obj = await loadObjectFromFile(a.object);
          const idx = selectProgram(obj, a.prog);
          const prog = obj.programs[idx];
          if (a.kind === "jited") {
            if (a.words?.length) throw new UsageError(`prog dump jited: keywords '${a.words.join(" ")}' apply to xlated only`);
            const src = getJitSource(simulationFor(obj, idx).rt, idx);
            if (a.json || a.pretty) writeJson({ name: prog.name, language: "javascript", source: src }, a.pretty);
            else process.stdout.write(src.endsWith("\n") ? src : src + "\n");
            return;
          }
          const dump = collectXlatedDump(obj, prog);
          const xl = dump.insns;
          if (words.visual) {
            if (a.json || a.pretty) throw new UsageError("prog dump xlated visual: no JSON form (bpftool has none either)");
            process.stdout.write(formatCfgDot(dump.program, xl, words));
          } else if (a.json || a.pretty) {
            const text = stringifyBpftoolJson(formatXlatedJson(xl, words));
            process.stdout.write((a.pretty ? prettyJson(text) : text) + "\n");
          } else {
            process.stdout.write(formatXlatedPlain(xl, words));
          }
        },
      )
      .demandCommand(1, "prog: name a subcommand (show, dump)"),
    () => undefined,
  );
}
