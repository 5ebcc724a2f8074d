#!/usr/bin/env node
// xdpsim command-line entry point: yargs subcommands (run, bench, verify, prog, map, btf,
// conformance-plugin, …). Bad input prints one line naming file and place and exits 2.

import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { XdpsimError } from "../errors.js";
import { registerRunCommand } from "./run-command.js";
import { registerBenchCommand } from "./bench-command.js";
import { registerVerifyCommand } from "./verify-command.js";
import { registerTestCommand } from "./test-command.js";
import { registerExplainCommand } from "./explain-command.js";
import { conformancePluginMain, registerConformanceCommand } from "./conformance-command.js";
import { registerProgCommand } from "./prog-command.js";
import { registerBtfCommand } from "./btf-command.js";
import { registerMapCommand } from "./map-command.js";
import { registerPinCommand } from "./pin-command.js";
import { registerLiveCommand } from "./live-command.js";

/** Print one line for an error and set the exit status (never a stack trace). */
export function reportError(e: unknown): void {
  if (e instanceof XdpsimError) {
    process.stderr.write(`xdpsim: ${e.format()}\n`);
    process.exitCode = 2;
  } else {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`xdpsim: internal error: ${msg}\n`);
    if (process.env.XDPSIM_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 70;
  }
}

async function main(argv: string[]): Promise<void> {
  // The conformance suite passes memory as one argument like "aa  bb  ": keep it away from yargs' parsing.
  if (argv[0] === "conformance-plugin") {
    await conformancePluginMain(argv.slice(1));
    return;
  }
  let cli = yargs(argv)
    .scriptName("xdpsim")
    .usage("$0 <command> [options]\n\nSimulate XDP programs: run a clang-compiled eBPF object over captures without a kernel.")
    .strict()
    .recommendCommands()
    .demandCommand(1, "name a command (see --help)")
    .help()
    .alias("h", "help")
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageErrorWithHelp(msg.replace(/\s*\n\s*/g, " "));
    });
  cli = registerRunCommand(cli);
  cli = registerBenchCommand(cli);
  cli = (await import("./bench-report-command.js")).registerBenchReportCommand(cli);
  cli = registerVerifyCommand(cli);
  cli = registerTestCommand(cli);
  cli = registerExplainCommand(cli);
  cli = registerConformanceCommand(cli);
  cli = registerProgCommand(cli);
  cli = registerBtfCommand(cli);
  cli = registerMapCommand(cli);
  cli = registerPinCommand(cli);
  cli = registerLiveCommand(cli);
  await cli.parseAsync();
}

class UsageErrorWithHelp extends XdpsimError {
  constructor(msg: string) {
    super("usage", `${msg} (see xdpsim --help)`);
  }
}

main(hideBin(process.argv)).catch(reportError);
