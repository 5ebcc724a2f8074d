// `xdpsim conformance-plugin`: the bpf_conformance suite's plugin protocol (CONTRACT.md), reading
// the program from stdin and printing r0; argv is parsed by hand (the memory argument is raw hex).

import type { Argv } from "yargs";
import { createInterpreter } from "../exec/interpreter/create-interpreter.js";
import { createJit } from "../exec/jit/create-jit.js";
import { runConformancePlugin } from "./conformance-plugin.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function conformancePluginMain(args: string[]): Promise<void> {
  const bi = args.indexOf("--backend");
  const backend = bi >= 0 ? args[bi + 1] : "jit";
  const factory = backend === "interp" ? createInterpreter : createJit;
  const res = runConformancePlugin(args, await readStdin(), factory);
  process.stdout.write(res.stdout.endsWith("\n") || res.stdout === "" ? res.stdout : res.stdout + "\n");
  process.exitCode = res.exitCode;
}

export function registerConformanceCommand<T>(cli: Argv<T>): Argv<T> {
  return cli.command(
    "conformance-plugin [memory] [options..]",
    "bpf_conformance plugin: program hex on stdin, prints r0 (see CONTRACT.md)",
    (y) => y.positional("memory", { type: "string", describe: 'input memory as hex ("aa  bb  ")' })
      .option("elf", { type: "boolean", describe: "stdin is an ELF object (hex)" })
      .option("backend", { choices: ["jit", "interp"], default: "jit" }),
    async () => {
      /* handled before yargs in main.ts */
    },
  );
}
