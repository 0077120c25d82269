// Imported first by the CLI, before the WebAssembly core is compiled. V8
// compiles the module with its baseline compiler (Liftoff), then recompiles
// functions that turn hot with its optimising one; on a command that lives
// well under a second that second compile cost more than it saved (lint of
// a 40-file project: 0.27 s, 0.12 s with Liftoff alone), while on a large
// project it pays (validate of 10,000 files: 0.99 s, 1.58 s with Liftoff
// alone). A tier-up budget 200 times V8's default keeps both: only functions
// that run for a long time are optimised (0.12 s and 1.04 s). Measured on
// this machine, Node 20; see docs/decisions.md. The language server, which
// runs for hours, does not import this.
import { setFlagsFromString } from 'node:v8';

if (!process.env.KMB_V8_DEFAULT) setFlagsFromString('--wasm-tiering-budget=400000000');
