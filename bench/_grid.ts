/**
 * The MLP scaling grid the benchmarks share (`fit_bench.ts` times it, `engine_profile.ts`
 * profiles it): moons data (`makeMoons(n, { noise: 0.2, seed: 1 })`), ReLU hidden layers,
 * sigmoid output, binary cross-entropy, Adam (learning rate 1e-3), no regularization.
 *
 * @module
 */

/** One row of the scaling grid. */
export interface GridRow {
  workload: string;
  n: number;
  hidden: number[];
  batchSize: number;
  epochs: number;
  batchNorm?: boolean;
  dropout?: number;
  /** PyTorch eager (CPU, 2 cores, warmed up, best of 3) measured once on this machine. */
  pytorchS: number | null;
}

/** The grid's rows, in the order the benchmarks print them. */
export const GRID: GridRow[] = [
  {
    workload: "n2000_2x32_b32_e10",
    n: 2000,
    hidden: [32, 32],
    batchSize: 32,
    epochs: 10,
    pytorchS: 0.16,
  },
  {
    workload: "n2000_2x128_b32_e10",
    n: 2000,
    hidden: [128, 128],
    batchSize: 32,
    epochs: 10,
    pytorchS: 0.49,
  },
  {
    workload: "n2000_2x512_b32_e5",
    n: 2000,
    hidden: [512, 512],
    batchSize: 32,
    epochs: 5,
    pytorchS: 2.07,
  },
  {
    workload: "n20000_2x128_b256_e5",
    n: 20000,
    hidden: [128, 128],
    batchSize: 256,
    epochs: 5,
    pytorchS: 0.67,
  },
  {
    workload: "n2000_8x64_b32_e5",
    n: 2000,
    hidden: Array(8).fill(64),
    batchSize: 32,
    epochs: 5,
    pytorchS: 0.26,
  },
  {
    workload: "n2000_8x64_bn_b32_e5",
    n: 2000,
    hidden: Array(8).fill(64),
    batchSize: 32,
    epochs: 5,
    batchNorm: true,
    pytorchS: null,
  },
  {
    workload: "n2000_2x128_drop0.3_b32_e10",
    n: 2000,
    hidden: [128, 128],
    batchSize: 32,
    epochs: 10,
    dropout: 0.3,
    pytorchS: null,
  },
];
