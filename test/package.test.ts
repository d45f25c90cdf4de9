import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

test('the package ships the library and the CLI, and no tests or test helpers', async () => {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    maxBuffer: 1 << 24,
  });
  const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  assert.ok(files.includes('dist/src/index.js') && files.includes('dist/src/cli/main.js'), files.join('\n'));
  for (const script of ['wasm_threads_worker.cjs', 'loop_threads_worker.cjs']) {
    assert.ok(
      files.includes(`src/engine/${script}`),
      `the threaded wasm backend needs its worker script ${script}`,
    );
  }
  assert.deepEqual(
    files.filter((file) => /\.test\.|(^|\/)test\/|support\//.test(file)),
    [],
  );
});
