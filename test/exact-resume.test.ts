import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cliArgs, runCli } from './support/cli.js';
import { writeMovieLensFixture } from './support/movielens.js';
import { Random } from '../src/engine/random.js';

let root: string;
let data: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tm-exact-resume-'));
  data = await writeMovieLensFixture(join(root, 'data'), 'ml-100k');
  // Every kind of fit a kill can land in: the teacher's pre-training, kd's teacher-head fit (and
  // the write of it that takd then reads instead of fitting its own), takd's assistant fit,
  // talking's handshake, and the students, with early stopping (a high rate).
  await writeFile(
    join(root, 'config.json'),
    JSON.stringify({
      genres: ['Action'],
      methods: ['student', 'kd-head', 'takd-head', 'talking-handshake'],
      seeds: 1,
      teacherTraining: { epochs: 3, batchSize: 256, patience: 2, clip: [1, 5] },
      training: { epochs: 8, batchSize: 32, patience: 2, clip: [1, 5], optimizer: { learningRate: 0.01 } },
      variants: {
        'kd-head': { name: 'kd', teacherHead: 'finetune' },
        'takd-head': { name: 'takd', teacherHead: 'finetune' },
        'talking-handshake': { name: 'talking', handshakeEpochs: 2 },
      },
      // A kill can land in the tuning stage, or between it and the rows.
      tuning: {
        knobs: {
          student: {
            knob: 'weight decay',
            candidates: {
              '0': { training: { optimizer: { weightDecay: 0 } } },
              '0.01': { training: { optimizer: { weightDecay: 0.01 } } },
            },
          },
        },
      },
    }),
  );
});
after(() => rm(root, { recursive: true, force: true }));

/** Each run has its own teacher cache, so that a kill can land in the teacher's pre-training too. */
const command = (name: string) => {
  const [cache, config, out] = [join(root, `cache-${name}`), join(root, 'config.json'), join(root, name)];
  return ['run', 'movielens-genre', '--backend', 'wasm', '--data-dir', data, '--cache-dir', cache].concat([
    '--config',
    config,
    '--out',
    out,
  ]);
};

/**
 * Runs the command and SIGKILLs its process group after its `lines`-th epoch line plus `delay` ms:
 * a kill lands inside an epoch, between epochs or while a checkpoint is written. Resolves whether
 * the kill came before the run finished.
 */
function runAndKill(args: string[], lines: number, delay: number): Promise<boolean> {
  const child = spawn(process.execPath, [...cliArgs, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let seen = 0;
  let output = '';
  let killed = false;
  const kill = () => {
    if (killed || child.exitCode !== null) return;
    killed = true;
    process.kill(-child.pid!, 'SIGKILL');
  };
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk;
    seen += (chunk.toString().match(/ epoch \d+: /g) ?? []).length;
    if (seen >= lines) setTimeout(kill, delay);
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  return new Promise((resolve, reject) =>
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && killed) resolve(true);
      else if (code === 0) resolve(false);
      else reject(new Error(`the run failed (${code ?? signal}):\n${output}`));
    }),
  );
}

/** What a run computed: results.json's values and each cell's per-epoch validation metrics. */
const values = async (name: string) => {
  const result = JSON.parse(await readFile(join(root, name, 'results.json'), 'utf8'));
  const cells = join(root, name, 'cells');
  const histories = await Promise.all(
    (await readdir(cells))
      .sort()
      .map(async (file) => JSON.parse(await readFile(join(cells, file), 'utf8')).history),
  );
  return {
    teacher: result.teacher,
    rows: result.rows.map(({ seconds: _, ...row }: { seconds: number }) => row),
    summary: result.summary,
    histories,
  };
};

test('a run SIGKILLed at 10 random points and resumed each time gives the results.json of a clean run', async () => {
  await runCli(command('clean'));
  const random = new Random('exact-resume');
  let kills = 0;
  for (let attempt = 0; ; attempt++) {
    const args = attempt === 0 ? command('killed') : [...command('killed'), '--resume'];
    if (kills >= 10) {
      await runCli(args);
      break;
    }
    if (await runAndKill(args, 1 + random.int(3), random.int(300))) kills++;
    else break;
  }
  assert.ok(kills >= 10, `killed ${kills} times before the run finished`);
  const [clean, resumed] = [await values('clean'), await values('killed')];
  assert.equal(clean.rows.length, 4);
  const heads = clean.rows.map((r: { preliminary: Record<string, number> }) => r.preliminary['teacher head']);
  assert.ok(heads[1] > 0 && heads[2] === heads[1], `takd read kd's head: ${heads}`);
  assert.equal((await readdir(join(root, 'killed', 'shared-fits'))).length, 1);
  assert.deepEqual(resumed, clean);
});
