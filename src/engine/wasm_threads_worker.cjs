// The script each thread of tfjs-backend-wasm's threaded binary runs in (a Node worker thread).
// tfjs ships it only as a string (`wasmWorkerContents`) that its loader turns into a Blob URL for
// browsers, which Node's Worker cannot start (tfjs issue 3830). This file runs that string. Its
// newlines stand inside string literals, so they are escaped as tfjs's loader escapes them. The
// eval is direct so the script sees this module's `require` and `__filename`, as Emscripten's
// worker expects under Node.
const {
  wasmWorkerContents,
} = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');
eval(wasmWorkerContents.replace(/\n/g, '\\n'));
