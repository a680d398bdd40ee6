/**
 * Chart helpers: pure functions `(data, options?) => spec` that return a fresh Vega-Lite v5
 * spec. They never train and never touch tensors; show a spec with `show()` or `chart()`
 * from `display.ts`.
 *
 * @module
 */
export { VEGA_LITE_SCHEMA } from "./charts/_common.ts";
export type { DataFrameLike, Row, VegaLiteSpec } from "./charts/_common.ts";
export { learningCurves } from "./charts/learning_curves.ts";
export type {
  EpochMark,
  EpochRecord,
  LearningCurvesOptions,
  NamedRun,
} from "./charts/learning_curves.ts";
export { decisionBoundary } from "./charts/decision_boundary.ts";
export type {
  BoundaryPanel,
  DecisionBoundaryOptions,
  GridCell,
  LabeledPoint,
  PointSet,
} from "./charts/decision_boundary.ts";
export { weightDistribution } from "./charts/weight_distribution.ts";
export type {
  DistributionKind,
  ValueGroup,
  WeightDistributionOptions,
} from "./charts/weight_distribution.ts";
export { metricBars } from "./charts/metric_bars.ts";
export type { MetricBarsOptions, MetricRow } from "./charts/metric_bars.ts";
export { tableView } from "./charts/table_view.ts";
export type { TableViewOptions } from "./charts/table_view.ts";
export { lineChart } from "./charts/line_chart.ts";
export type { LineChartOptions } from "./charts/line_chart.ts";
export { scatter } from "./charts/scatter.ts";
export type { ScatterOptions } from "./charts/scatter.ts";
export { heatmap } from "./charts/heatmap.ts";
export type { HeatmapOptions } from "./charts/heatmap.ts";
export { activationHistograms } from "./charts/activation_histograms.ts";
export type {
  ActivationHistogramsOptions,
  HistogramRun,
  LayerHistogram,
} from "./charts/activation_histograms.ts";
export { regularizationPathChart } from "./charts/regularization_path.ts";
export type { PathPoint, RegularizationPathChartOptions } from "./charts/regularization_path.ts";
export { networkDiagram } from "./charts/network_diagram.ts";
export type { Kernel, NetworkDiagramOptions, NetworkPanel } from "./charts/network_diagram.ts";
export { accuracyVsLambda } from "./charts/lambda_sweep.ts";
export type { AccuracyVsLambdaOptions } from "./charts/lambda_sweep.ts";
export { updateCurves } from "./charts/update_curves.ts";
export type { UpdateCurvesOptions, UpdateRun } from "./charts/update_curves.ts";
export { contourChart } from "./charts/contour.ts";
export type { ContourChartOptions, ContourGrid, ContourPath } from "./charts/contour.ts";
export { scheduleChart } from "./charts/schedule_chart.ts";
export type { NamedSchedule, ScheduleChartOptions } from "./charts/schedule_chart.ts";
export { functionChart } from "./charts/function_chart.ts";
export type { FunctionChartOptions, FunctionRow, NamedFunction } from "./charts/function_chart.ts";
export { imageGrid } from "./charts/image_grid.ts";
export type { ImageCell, ImageGridOptions } from "./charts/image_grid.ts";
export { confusionMatrixChart } from "./charts/confusion_matrix.ts";
export type { ConfusionMatrixChartOptions } from "./charts/confusion_matrix.ts";
export { gradientNormChart } from "./charts/gradient_norms.ts";
export type {
  GradientNormChartOptions,
  GradientNormLayer,
  GradientNormRun,
} from "./charts/gradient_norms.ts";
