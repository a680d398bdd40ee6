/**
 * Text formats shared by the training loop's plain-text progress and the notebook's live
 * progress display.
 *
 * @module
 */

/** The numbers of one epoch that a progress line shows. */
export interface EpochNumbers {
  /** The epoch, counted from 1. */
  epoch: number;
  /** The training loss. */
  loss: number;
  /** The training accuracy, for classification. */
  acc?: number;
  /** The validation loss, when there is validation data. */
  valLoss?: number;
  /** The validation accuracy. */
  valAcc?: number;
  /** Seconds the epoch took. */
  seconds?: number;
}

/**
 * One epoch as a line: `epoch 5/20  loss 0.3124  acc 0.871  valLoss 0.3350  valAcc 0.860  1.2 s`.
 * The limit (`/20`) and the time are left out when not known.
 */
export function formatEpochLine(log: EpochNumbers, epochs?: number): string {
  const parts = [`epoch ${log.epoch}${epochs ? `/${epochs}` : ""}`, `loss ${log.loss.toFixed(4)}`];
  if (log.acc !== undefined) parts.push(`acc ${log.acc.toFixed(3)}`);
  if (log.valLoss !== undefined) parts.push(`valLoss ${log.valLoss.toFixed(4)}`);
  if (log.valAcc !== undefined) parts.push(`valAcc ${log.valAcc.toFixed(3)}`);
  if (log.seconds !== undefined) parts.push(`${log.seconds.toFixed(1)} s`);
  return parts.join("  ");
}
