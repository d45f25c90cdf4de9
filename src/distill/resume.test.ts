import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf, type LayersModel } from '../engine/tf.js';
import { initBackend } from '../engine/backend.js';
import { Random } from '../engine/random.js';
import { memoryStorage, readText, type RunStorage } from '../storage/storage.js';
import { distill, type DistillOptions } from './distill.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { syntheticRegression } from '../../test/support/synthetic.js';
import { denseModel as mlp } from '../../test/support/models.js';

before(() => initBackend('wasm'));

const data = syntheticRegression({ seed: 2 });
const weightsOf = (m: LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

class Killed extends Error {}

/**
 * A fresh set of models for one attempt, built as a user restarting the process would: the same
 * seeds, the checkpoint the only memory of earlier attempts. The teacher is untrained: exactness
 * does not depend on what it knows.
 */
function setup(method: DistillOptions['method'], optimizer: 'adam' | 'sgd' = 'adam'): DistillOptions {
  return {
    teacher: mlp([24, 16], 1, 'teacher'),
    student: mlp([12, 8], 2, 'student'),
    assistant: mlp([12], 3, 'assistant'),
    method,
    task: 'regression',
    data: { train: data.downstream.train, validation: data.downstream.validation },
    // A high rate so that early stopping restores a best epoch before the budget ends.
    training: { epochs: 8, batchSize: 16, patience: 2, optimizer: { name: optimizer, learningRate: 0.1 } },
  };
}

/**
 * Kills (throws from inside training) at seeded random batches, each time resuming from the
 * storage with new models, until a run finishes; returns the finished run and the kill count.
 */
async function killedAndResumed(
  [method, optimizer]: Parameters<typeof setup>,
  storage: RunStorage,
  seed: number,
) {
  const random = new Random(seed);
  for (let kills = 0; ; kills++) {
    const options = setup(method, optimizer);
    let batches = 0;
    const killAt = 1 + random.int(14);
    try {
      const result = await distill({
        ...options,
        storage,
        resume: kills > 0,
        events: {
          onBatch: () => {
            if (++batches === killAt) throw new Killed();
          },
        },
      });
      return { result, student: options.student, kills };
    } catch (error) {
      if (!(error instanceof Killed)) throw error;
    }
  }
}

const methods: [string, Parameters<typeof setup>][] = [
  ['talking with a handshake', [{ name: 'talking', handshakeEpochs: 2 }]],
  // A teacher head fitted first (kd's preliminary fit), then takd's assistant fit, then the student.
  ['takd with a fine-tuned teacher head', [{ name: 'takd', teacherHead: 'finetune' }]],
  // Momentum SGD (E2's optimizer) keeps other slots than Adam, and no beta powers.
  ['student with momentum SGD', [{ name: 'student' }, 'sgd']],
];

for (const [what, run] of methods) {
  test(`${what}: killed at random batches and resumed, the run ends bit-identical to an uninterrupted one`, async () => {
    const clean = setup(...run);
    const uninterrupted = await distill(clean);
    const files = new Map<string, Uint8Array>();
    const storage = memoryStorage(files);
    const { result, student, kills } = await killedAndResumed(run, storage, 7);
    assert.ok(kills >= 5, `killed ${kills} times`);
    assert.ok(result.bestEpoch < result.epochs, 'early stopping restored an earlier epoch');
    assert.deepEqual(weightsOf(student), weightsOf(clean.student));
    assert.deepEqual(result.validation, uninterrupted.validation);
    assert.equal(result.bestEpoch, uninterrupted.bestEpoch);
    const strip = (h: typeof result.history) => h.map((r) => ({ ...r, seconds: 0 }));
    assert.deepEqual(strip(result.history), strip(uninterrupted.history));
    const metrics = (await readText(storage.child('student'), 'metrics.jsonl'))!.trim().split('\n');
    assert.equal(metrics.length, uninterrupted.history.filter((r) => r.label === 'student').length);
    assert.deepEqual(
      [...files.keys()].filter((f) => f.startsWith('student/weights-')).length,
      1,
      'one tensor file per checkpoint',
    );
  });
}

test('a checkpoint write killed at any step leaves a complete checkpoint (the old or the new one)', async () => {
  const files = new Map<string, Uint8Array>();
  const state = (epoch: number) => ({
    version: 2 as const,
    phase: 0,
    epoch,
    done: false,
    history: Array.from({ length: epoch }, (_, e) => ({
      label: 'student',
      phase: 'main',
      epoch: e + 1,
      losses: {},
      learningRate: 1,
      seconds: 0,
    })),
    best: null,
    epochsSinceBest: 0,
    random: { shuffle: {}, augment: {} },
  });
  const weights = (v: number) => ({ student: [tf.fill([2, 2], v)] });
  await saveCheckpoint(memoryStorage(files), { state: state(1), parts: weights(1), optimizers: [] });
  for (let step = 0; step < 4; step++) {
    // A storage that stops (as a killed process would) before its step-th change.
    const copy = new Map(files);
    const inner = memoryStorage(copy);
    let changes = 0;
    const dying: RunStorage = {
      ...inner,
      write: async (name, bytes) => {
        if (changes++ === step) throw new Killed();
        await inner.write(name, bytes);
      },
      remove: async (name) => {
        if (changes++ === step) throw new Killed();
        await inner.remove(name);
      },
    };
    await saveCheckpoint(dying, { state: state(2), parts: weights(2), optimizers: [] }).catch((e) => {
      if (!(e instanceof Killed)) throw e;
    });
    const loaded = await loadCheckpoint(memoryStorage(copy));
    assert.ok(loaded, `a checkpoint exists after a kill at step ${step}`);
    const value = loaded.parts.student[0].dataSync()[0];
    assert.equal(value, loaded.state.epoch, `weights and state of one checkpoint (step ${step})`);
    tf.dispose(loaded.parts.student);
  }
});

/** Blocks this thread for `ms` milliseconds: time a run spends that resuming must not forget. */
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

test("a resumed run's seconds include the invocations before it, from the checkpoint (old checkpoints: their epochs' seconds)", async () => {
  const slowThenKilled = async (storage: RunStorage) => {
    let batches = 0;
    let perEpoch = 0;
    await distill({
      ...setup({ name: 'student' }),
      storage,
      events: {
        onPhaseStart: (info) => (perEpoch = info.batchesPerEpoch),
        onBatch: () => {
          batches++;
          // Slow in the first epoch, which is checkpointed; killed inside the third.
          if (batches === 1) busy(400);
          if (batches === 2 * perEpoch + 1) throw new Killed();
        },
      },
    }).catch((e) => {
      if (!(e instanceof Killed)) throw e;
    });
  };
  /**
   * Resumes, and checks that the reported seconds are `earlier` plus this invocation's: at most
   * its whole call, at least from its resume message to its last epoch.
   */
  const resumedAfter = async (storage: RunStorage, earlier: number) => {
    const options = setup({ name: 'student' });
    let resumedAt = NaN;
    let lastEpochAt = NaN;
    const called = performance.now();
    const { seconds } = await distill({
      ...options,
      storage,
      resume: true,
      events: {
        onMessage: (line) => {
          if (line.includes('resuming')) resumedAt = performance.now();
        },
        onEpochEnd: () => (lastEpochAt = performance.now()),
      },
    });
    const returned = performance.now();
    const at = (ms: number) => earlier + ms / 1000;
    assert.ok(
      seconds >= at(lastEpochAt - resumedAt) && seconds <= at(returned - called),
      `${seconds} s reported; earlier ${earlier} s`,
    );
  };

  const storage = memoryStorage(new Map());
  await slowThenKilled(storage);
  const elapsed = (await loadCheckpoint(storage.child('student')))!.state.elapsed!;
  assert.ok(elapsed >= 0.4, `the checkpoint has the slow epoch: ${elapsed} s`);
  await resumedAfter(storage, elapsed);

  // A checkpoint written before `elapsed` existed: the epochs' seconds stand in for it.
  const old = memoryStorage(new Map());
  await slowThenKilled(old);
  const saved = (await loadCheckpoint(old.child('student')))!;
  delete saved.state.elapsed;
  await saveCheckpoint(old.child('student'), saved);
  tf.dispose([
    ...Object.values(saved.parts).flat(),
    ...saved.optimizers.flat().map((w) => w.tensor),
    ...(saved.best ?? []),
  ]);
  await resumedAfter(
    old,
    saved.state.history.reduce((sum, r) => sum + r.seconds, 0),
  );
});
