import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureSimdPeak } from './simd_peak.js';

test('the SIMD peak is a finite rate that grows with nothing but the work: twice the turns take about twice the time', () => {
  const short = measureSimdPeak(3, 200_000);
  const long = measureSimdPeak(3, 400_000);
  assert.ok(short && long, 'Node 20 has WebAssembly SIMD');
  for (const peak of [short, long])
    assert.ok(Number.isFinite(peak.gflopsOneCore) && peak.gflopsOneCore > 0.1);
  // A loop the engine dropped or shortened would give a rate that does not hold across lengths.
  const ratio = long.gflopsOneCore / short.gflopsOneCore;
  assert.ok(ratio > 0.33 && ratio < 3, `rates ${short.gflopsOneCore} and ${long.gflopsOneCore}`);
});
