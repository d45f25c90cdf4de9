import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });

test('committed reports, results and docs name no folder of the machine they were made on', () => {
  const files = [join(root, 'README.md'), ...filesUnder(join(root, 'docs'))].filter((f) =>
    /\.(md|json)$/.test(f),
  );
  assert.ok(files.some((f) => f.endsWith('report.md')));
  // An absolute path of a Unix or Windows machine, e.g. a cache folder in a report's command.
  const machinePath = /(?:^|[\s"'`(=])(?:\/(?:work|home|root|tmp|Users|var|mnt|opt)\/|[A-Z]:\\)/m;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const match = machinePath.exec(text);
    assert.equal(
      match,
      null,
      `${relative(root, file)} names a machine path: ${text.slice(match?.index, (match?.index ?? 0) + 60)}`,
    );
  }
});

test('the README names only files that are in the repository', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  // Paths in the repository and documents; files a run writes (model.json, report.md) are not.
  const named = (readme.match(/[\w./-]+\.(?:md|json|ts|py)\b/g) ?? []).filter(
    (f) => !f.startsWith('.') && f !== 'report.md' && (f.includes('/') || f.endsWith('.md')),
  );
  assert.ok(named.length > 0);
  for (const file of named) {
    assert.ok(
      existsSync(join(root, file.replace(/^\.\//, ''))),
      `README names ${file}, not in the repository`,
    );
  }
});
