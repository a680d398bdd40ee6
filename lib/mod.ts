/**
 * The course kit's shared library, imported by every lesson in one line:
 *
 * ```ts ignore
 * import * as lib from "../lib/mod.ts";
 * ```
 *
 * - start-up and seeds: {@link setup}, {@link setSeed}, {@link makeRng}
 * - data: the {@link Dataset} type and its conversions ({@link toTensors}, {@link toDataFrame},
 *   {@link subset}), synthetic sets ({@link makeMoons} …), preprocessing ({@link standardize},
 *   {@link featureStats}), scalers fitted on one split and applied to others
 *   ({@link fitScaler}: min-max, z-score, robust), splits and folds ({@link trainDevTestSplit},
 *   {@link kFold} …), the real tabular sets shipped in `data/` ({@link loadBreastCancer} …) and
 *   the Fashion-MNIST images ({@link loadFashionMnist}, {@link imageTensors},
 *   {@link splitImages}, {@link readIdx})
 * - models and training: {@link mlp}, {@link cnn} (convolutional networks for images),
 *   initializers with the intended variance ({@link initializer}, {@link initializerVariance},
 *   {@link fans}), {@link countParams}, {@link fit} (live progress in a
 *   notebook), its {@link History} and the helpers that read it ({@link metricColumn},
 *   {@link bestEpoch}), {@link earlyStopping} (its `result()` after training),
 *   {@link evaluate}, {@link accuracy}, {@link predictProba}, {@link predictGrid},
 *   {@link confusionMatrix}, {@link perClassAccuracy}
 * - optimization: the named optimizers' rules and settings ({@link optimizerSettings},
 *   {@link tfjsOptimizer}), learning-rate schedules ({@link stepDecay},
 *   {@link exponentialDecay}, {@link inverseTimeDecay}, {@link cosineDecay}), 2-D loss
 *   surfaces ({@link ravine}, {@link saddle}, {@link rosenbrock}) with {@link contourGrid} and
 *   optimizer paths over them ({@link trajectory}, {@link tfjsTrajectory}), drawn with
 *   {@link contourChart}; schedules drawn with {@link scheduleChart}
 * - under the hood: dropout from scratch ({@link invertedDropout}, {@link originalDropout},
 *   {@link keepProbFromRate}), batch norm from scratch ({@link batchNorm},
 *   {@link updateRunningAverage}, {@link readBatchNormLayer}), per-layer activation statistics
 *   ({@link activationStats}) and their chart ({@link activationHistograms}), per-layer gradient
 *   statistics ({@link gradientStats}) and their chart ({@link gradientNormChart})
 * - weight penalties with explicit conventions: {@link l2Penalty}, {@link l1Penalty},
 *   {@link elasticNetPenalty}, their tfjs regularizers ({@link l2Regularizer} …),
 *   {@link convertLambda}, {@link weightDecayStep}; weight measurements ({@link sparsity},
 *   {@link layerStats}, {@link modelPenalty}); {@link regularizationPath}, with the charts
 *   {@link regularizationPathChart}, {@link networkDiagram} and {@link accuracyVsLambda}
 * - charts (Vega-Lite specs) and display: {@link learningCurves}, {@link decisionBoundary},
 *   {@link weightDistribution}, {@link metricBars}, {@link tableView}, {@link lineChart},
 *   {@link functionChart} (functions and their derivatives), {@link imageGrid},
 *   {@link confusionMatrixChart},
 *   {@link show}, {@link chart}; live displays ({@link liveChart}, {@link progressLine}, and
 *   for training runs {@link liveCurves}: one run's learning curves under its own title,
 *   {@link liveRuns}: a series of runs in one output titled with the run being trained)
 * - data augmentation for images: flips, {@link rotate}, {@link zoom}, {@link translate},
 *   {@link cropWithPadding}, {@link addNoise}, {@link cutout}, {@link mixup} …, seeded
 *   pipelines for `fit`'s `augment` ({@link augmentation}, {@link augmentImages}) and
 *   which ops keep Fashion-MNIST labels ({@link FASHION_MNIST_LABEL_PRESERVING})
 * - check cells: {@link check}, {@link flushOutput}
 * - tfjs itself, as `tf`, for the lessons that look under the hood
 *
 * Private code lives in `_`-prefixed files, which this module does not re-export; test hooks
 * are in `testing.ts`, for lib's own tests.
 *
 * @module
 */
import { setProgressFactory } from "./callbacks.ts";
import { notebookProgress } from "./live.ts";

export * as tf from "@tensorflow/tfjs";
export * from "./backend.ts";
export * from "./random.ts";
export * from "./datasets.ts";
export * from "./synthetic.ts";
export * from "./preprocessing.ts";
export * from "./scalers.ts";
export * from "./split.ts";
export * from "./tabular.ts";
export * from "./fashion_mnist.ts";
export * from "./augment.ts";
export * from "./model.ts";
export * from "./initializers.ts";
export * from "./cnn.ts";
export * from "./callbacks.ts";
export * from "./early_stopping.ts";
export * from "./train.ts";
export * from "./optimizers.ts";
export * from "./schedules.ts";
export * from "./surfaces.ts";
export * from "./history.ts";
export * from "./predict.ts";
export * from "./confusion.ts";
export * from "./uncertainty.ts";
export * from "./regularizers.ts";
export * from "./dropout.ts";
export * from "./batch_norm.ts";
export * from "./activations.ts";
export * from "./gradients.ts";
export * from "./memory.ts";
export * from "./charts.ts";
export * from "./display.ts";
export * from "./live.ts";
export * from "./checks.ts";

// Training shows its live progress through the notebook display, without train.ts
// depending on display code.
setProgressFactory(notebookProgress);
