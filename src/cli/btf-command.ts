// `xdpsim btf dump <object.o> [format raw|c]`: the object's BTF as `bpftool btf dump file X format raw|c`
// prints it, byte for byte. Spec: tools/bpf/bpftool/btf.c (dump_btf_raw, dump_btf_c).

import type { Argv } from "yargs";
import { UsageError } from "../errors.js";
import { dumpBtfRaw } from "../btf/dump-btf-raw.js";
import { dumpBtfC } from "../btf/dump-btf-c.js";
import { readFile } from "node:fs/promises";
import { readObjectBtf } from "../btf/read-elf-btf.js";

/** Parse bpftool's trailing keyword form `format raw|c`. */
export function parseBtfFormat(words: readonly string[]): "raw" | "c" {
  if (words.length === 0) return "raw";
  if (words.length === 2 && words[0] === "format" && (words[1] === "raw" || words[1] === "c")) return words[1];
  throw new UsageError(`btf dump: expected 'format raw' or 'format c', got '${words.join(" ")}'`);
}

export function registerBtfCommand<T>(cli: Argv<T>): Argv<T> {
  return cli.command(
    "btf <action> <object> [words..]",
    "inspect an object's BTF like bpftool btf dump file: `btf dump OBJ [format raw|c]`",
    (y) => y.positional("action", { choices: ["dump"] as const, describe: "dump" })
      .positional("object", { type: "string", demandOption: true, describe: "clang -target bpf ELF object" })
      .positional("words", { type: "string", array: true, describe: "format raw|c" }),
    async (argv) => {
      const a = argv as unknown as { object: string; words?: string[] };
      const format = parseBtfFormat((a.words ?? []).map(String));
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(a.object));
      } catch (e) {
        throw new UsageError(`${a.object}: cannot read object: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      // The file's BTF as written (bpftool btf dump file does not apply libbpf's DATASEC fix-ups).
      const btf = readObjectBtf(bytes, a.object);
      if (!btf) throw new UsageError(`${a.object}: no .BTF section (compile with clang -g)`);
      process.stdout.write(format === "c" ? dumpBtfC(btf) : dumpBtfRaw(btf));
    },
  );
}
