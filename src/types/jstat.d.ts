// jstat ships no types; this declares the one function the paired intervals use.
declare module 'jstat' {
  export const jStat: {
    studentt: {
      /** Quantile (inverse CDF) of Student's t with `dof` degrees of freedom. */
      inv(p: number, dof: number): number;
    };
  };
}
