// `xdpsim pin ls|rm --pin-dir DIR [NAME…]`: manage the pinned maps `run --pin-dir` keeps between replays
// (bpffs pins: `ls /sys/fs/bpf`, `rm` a pin). Spec: bpftool-map(8) pinning, libbpf LIBBPF_PIN_BY_NAME.

import type { Argv } from "yargs";
import { UsageError } from "../errors.js";
import { listPinFiles, readPinFile, removePin } from "../inspect/pin-store.js";
import { withJsonOptions, writeJson } from "./prog-command.js";

export function registerPinCommand<T>(cli: Argv<T>): Argv<T> {
  return cli.command(
    "pin <action> [names..]",
    "pinned maps of run --pin-dir: `pin ls --pin-dir DIR`, `pin rm NAME… --pin-dir DIR` (or --all)",
    (y) => withJsonOptions(y.positional("action", { choices: ["ls", "rm"] as const })
      .positional("names", { type: "string", array: true, describe: "pinned map names" }))
      .option("pin-dir", { type: "string", demandOption: true, describe: "directory of pinned maps" })
      .option("all", { type: "boolean", default: false, describe: "rm: remove every pin in the directory" }),
    async (argv) => {
      const a = argv as unknown as { action: "ls" | "rm"; names?: string[]; "pin-dir": string; all: boolean; json: boolean; pretty: boolean };
      const dir = a["pin-dir"];
      const pins = listPinFiles(dir).map((f) => ({ file: f, map: readPinFile(f) }));
      if (a.action === "ls") {
        const rows = pins.map(({ file, map }) => ({ name: map.name, type: map.type, entries: map.entries.length, object: map.object, file }));
        if (a.json || a.pretty) writeJson(rows, a.pretty);
        else process.stdout.write(rows.map((r) => `${r.name}  ${r.type}  ${r.entries} entries  (${r.object})\n`).join(""));
        return;
      }
      const names = (a.names ?? []).map(String);
      if (!a.all && names.length === 0) throw new UsageError("pin rm: name the pins to remove (or --all)");
      const targets = a.all ? pins.map((p) => p.map.name) : names;
      for (const n of targets) {
        if (!pins.some((p) => p.map.name === n)) throw new UsageError(`pin rm: no map '${n}' pinned in ${dir}`);
      }
      for (const n of targets) removePin(dir, n);
    },
  );
}
