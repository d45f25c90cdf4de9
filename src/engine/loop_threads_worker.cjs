// A helper thread of the kernel pack's loops (loop_threads.ts): it waits on its slot of the shared
// state, runs the chunks of calls the calling thread posted on its port that it claims from the
// shared counter, on the wasm backend's shared memory, until none is left, and reports done (or
// failed, with the error on the port). Plain CommonJS, like
// wasm_threads_worker.cjs: it is started from a file in the source and in the build alike.
const { workerData, receiveMessageOnPort, parentPort } = require('node:worker_threads');

const { memory, state, next, index, port, IDLE, WORK, FAILED } = workerData;
/** Instances of the loop modules, by the id the calling thread gave each module. */
const instances = new Map();

parentPort.postMessage('ready');
for (;;) {
  const now = Atomics.load(state, index);
  if (now !== WORK) {
    Atomics.wait(state, index, now);
    continue;
  }
  try {
    const { id, module, name, chunks } = receiveMessageOnPort(port).message;
    if (module) instances.set(id, new WebAssembly.Instance(module, { env: { memory } }).exports);
    const loop = instances.get(id)[name];
    for (let k = Atomics.add(next, 0, 1); k < chunks.length; k = Atomics.add(next, 0, 1)) {
      for (const args of chunks[k]) loop(...args);
    }
    Atomics.store(state, index, IDLE);
  } catch (error) {
    port.postMessage(error instanceof Error ? (error.stack ?? error.message) : String(error));
    Atomics.store(state, index, FAILED);
  }
  Atomics.notify(state, index);
}
