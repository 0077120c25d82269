// Imported first by the CLI, before the WebAssembly core is compiled: a
// command lives well under a second, and V8's optimising compiler would
// spend longer on the module's 1.3 MB than the command runs (measured: a
// `kmb migration lint` of 40 files took 0.25 s with it, 0.10 s without;
// lemmy's 342 files, 0.71 s and 0.64 s). The baseline compiler alone
// (Liftoff) serves a short process best. The language server, which runs
// for hours, does not import this.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--liftoff-only');
