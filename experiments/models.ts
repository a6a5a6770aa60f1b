// The Mesos paper's analytic model of a framework arriving on a busy cluster (Hindman et al., NSDI
// 2011, section 4.2, "homogeneous tasks"). A framework is entitled to k slots, all busy with other
// tasks of mean run time T; its job needs beta k T slot-seconds of work. An elastic framework starts
// on each slot as it frees; a rigid one waits until it holds all k. With constant task run times a
// busy slot frees uniformly within T; with exponential ones (memoryless) after an exponential time.
//                      elastic            rigid
//   ramp-up  constant  T                  T
//            exp.      T ln k             T ln k
//   completion const.  (1/2 + beta) T     (1 + beta) T
//            exp.      (1 + beta) T       (ln k + beta) T
//   utilisation const. 1                  beta / (1/2 + beta)
//            exp.      1                  beta / (ln k - 1 + beta)
// The model's ramp-up is the expected time until the last slot frees; for finite k that is exactly
// T k / (k + 1) (the largest of k uniforms) and T H_k (the largest of k exponentials, H_k the k-th
// harmonic number, about ln k + 0.577), given as `model.ramp_up_exact_s`, with the completion and
// utilisation that follow from it (`model.completion_exact_s`, `model.utilisation_exact`).
import type { Metrics } from './measures.ts';
import { round6 } from './measures.ts';
import type { Vars } from './template.ts';

function harmonic(k: number): number {
  let h = 0;
  for (let i = 1; i <= k; i++) h += 1 / i;
  return h;
}

/** The model's figures for the point's variables k, T_s, beta, distribution and framework. */
export function rampUpModel(vars: Vars): Metrics {
  const { k, T_s: T, beta } = vars;
  if (typeof k !== 'number' || typeof T !== 'number' || typeof beta !== 'number')
    throw new Error("measure 'model:ramp-up' needs the numeric variables k, T_s and beta");
  const exponential = vars.distribution === 'exponential';
  if (!exponential && vars.distribution !== 'constant')
    throw new Error("measure 'model:ramp-up': variable distribution must be constant or exponential");
  const rigid = vars.framework === 'rigid';
  if (!rigid && vars.framework !== 'elastic')
    throw new Error("measure 'model:ramp-up': variable framework must be elastic or rigid");
  const lnk = Math.log(k);
  const rampUp = exponential ? T * lnk : T;
  let completion: number;
  let utilisation: number;
  if (!rigid) {
    completion = exponential ? (1 + beta) * T : (0.5 + beta) * T;
    utilisation = 1;
  } else {
    completion = exponential ? (lnk + beta) * T : (1 + beta) * T;
    utilisation = exponential ? beta / (lnk - 1 + beta) : beta / (0.5 + beta);
  }
  // The same figures with the exact expected ramp-up in place of T and T ln k: a rigid framework
  // holds each slot idle from when it frees (mean T/2, or T) until the last one frees.
  const exact = exponential ? T * harmonic(k) : (T * k) / (k + 1);
  const freed = exponential ? T : T / 2;
  return {
    'model.ramp_up_s': round6(rampUp),
    'model.ramp_up_exact_s': round6(exact),
    'model.completion_s': round6(completion),
    'model.completion_exact_s': round6(rigid ? exact + beta * T : completion),
    'model.utilisation': round6(utilisation),
    'model.utilisation_exact': round6(rigid ? (beta * T) / (beta * T + exact - freed) : 1),
  };
}
