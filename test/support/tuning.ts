const alpha = (a: number) => ({ method: { alpha: a } });

/**
 * A small tuning config for end-to-end runs: kd chooses alpha from two candidates, and
 * talking+kd, whose knob follows kd's, runs one candidate with kd's choice.
 */
export const kdAndFollowerTuning = {
  knobs: {
    kd: { knob: 'alpha', candidates: { '0.25': alpha(0.25), '0.9': alpha(0.9) } },
    'talking+kd': {
      knob: 'reading',
      follows: { method: 'kd', settings: { alpha: 'weights.kd' } },
      candidates: { none: { method: { reading: 'none' } } },
    },
  },
};
