/**
 * Regularization by weight penalties, in one import: the penalties themselves with their
 * convention spelled out ({@link l2Penalty}, {@link l2Regularizer}, {@link convertLambda},
 * {@link weightDecayStep} …, from `penalties.ts`), measurements of what a penalty did to a
 * network's weights ({@link weightSummary}, {@link sparsity}, {@link layerStats},
 * {@link modelPenalty} …, from `weights.ts`) and regularization paths ({@link logGrid},
 * {@link regularizationPath}, from `regularization_path.ts`).
 *
 * @example The course's λ as a tfjs regularizer, and the sparsity it is measured by
 * ```ts
 * import { l1Regularizer, sparsity } from "./regularizers.ts";
 * const { l1 } = l1Regularizer(0.5, { convention: "course", n: 50 }).getConfig() as { l1: number };
 * if (Math.abs(l1 - 0.01) > 1e-12 || sparsity([0, 0.5]) !== 0.5) throw new Error();
 * ```
 *
 * @module
 */
export * from "./penalties.ts";
export * from "./weights.ts";
export * from "./regularization_path.ts";
