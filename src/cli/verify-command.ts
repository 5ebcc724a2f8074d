// `xdpsim verify <object.o>`: would the kernel load this program? Prints the kernel-style verdict,
// with `(insn #N)` and the C source line on rejection; --log-level 1|2 prints the verifier log.

import type { Argv } from "yargs";
import { UsageError, VerifierError } from "../errors.js";
import { loadObjectFromFile, selectProgram } from "../pipeline/create-simulation.js";
import { checkProgramHelpers } from "../runtime/helpers/helper-info.js";
import { verifyProgram } from "../verifier/verify-program.js";

export function registerVerifyCommand<T>(cli: Argv<T>): Argv<T> {
  return cli.command(
    "verify <object>",
    "check a program like the kernel's verifier: exit 0 if it would load, 2 with the reason if not",
    (y) => y.positional("object", { type: "string", demandOption: true })
      .option("prog", { type: "string", describe: "function name of the XDP program" })
      .option("log-level", { type: "number", choices: [0, 1, 2], default: 0, describe: "print the verifier log (1: path to the error, 2: state per insn)" })
      .option("unprivileged", { type: "boolean", default: false, describe: "apply the stricter unprivileged rules" })
      .option("const", { type: "string", array: true, describe: "set a const volatile global: NAME=VALUE" }),
    async (argv) => {
      const a = argv as unknown as { object: string; prog?: string; "log-level": 0 | 1 | 2; unprivileged: boolean };
      const obj = await loadObjectFromFile(a.object);
      const idx = selectProgram(obj, a.prog);
      const prog = obj.programs[idx];
      checkProgramHelpers(obj);
      const res = verifyProgram(obj, idx, { logLevel: a["log-level"], unprivileged: a.unprivileged });
      if (a["log-level"] > 0 && res.log) process.stdout.write(res.log.endsWith("\n") ? res.log : res.log + "\n");
      if (!res.ok) {
        const e = res.error;
        if (!e) throw new UsageError(`${a.object}: verifier failed without a reason`);
        const src = e.sourceLine ? `, ${e.sourceLine.file}:${e.sourceLine.line}: ${e.sourceLine.text.trim()}` : "";
        throw new VerifierError(`${a.object}: program '${prog.name}' rejected: ${e.message} (insn #${e.insn}${src})`, e.insn, res.log);
      }
      process.stdout.write(`${a.object}: program '${prog.name}' accepted: processed ${res.processedInsns} insns\n`);
    },
  );
}
