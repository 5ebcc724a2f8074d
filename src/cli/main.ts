#!/usr/bin/env node
// xdpsim command-line entry point: yargs subcommands (run, bench, verify, prog, map, btf,
// conformance-plugin, …). Errors of the user's input print one line and exit 2.
console.log("xdpsim: under construction");
