// Plain-language notes beside the charts and settings, for someone who has
// never trained a model.

export const explain = {
  loss: {
    title: 'Loss',
    text: 'How wrong the model still is on the training tiles: lower is better. It should fall quickly at first and then flatten out.',
  },
  iou: {
    title: 'IoU (Intersection over Union)',
    text: 'How well the predicted areas overlap your labels, from 0 (not at all) to 1 (perfectly). Higher is better; 0.5 is a fair start, above 0.8 is very good.',
  },
  trainVal: {
    title: 'Train and val',
    text: 'Train is measured on the tiles the model learns from; val (validation) on tiles kept aside that it never learns from. Val tells you how well it works on new images.',
  },
  overfitting: {
    title: 'Overfitting',
    text: 'When the train curve keeps improving but the val curve gets worse, the model is memorising the training tiles instead of learning what to look for. Stop earlier (fewer epochs) or label more tiles.',
  },
  learningRate: {
    title: 'Learning rate',
    text: 'How big a step the model takes each time it corrects itself. Too big and the loss jumps around or becomes NaN; too small and it learns very slowly.',
  },
  epochs: {
    title: 'Epochs',
    text: 'One epoch is one pass through all the training tiles. More epochs give the model more practice, but after some point val stops improving.',
  },
  batchSize: {
    title: 'Batch size',
    text: 'How many tiles the model looks at together before it corrects itself. Larger batches need more memory; if a run fails for lack of memory, make it smaller.',
  },
  confusion: {
    title: 'Confusion matrix',
    text: 'Each row is what a pixel really is (your labels), each column what the model said. A good model has dark squares on the diagonal and light ones elsewhere.',
  },
  perClass: {
    title: 'IoU per class',
    text: 'The IoU of each class on its own. A class with a low score needs more or better labels.',
  },
} as const;

export type ExplainKey = keyof typeof explain;

/** The note for a config field, when there is one. */
export function explainField(name: string): ExplainKey | null {
  if (name === 'learning_rate' || name === 'lr') return 'learningRate';
  if (name === 'epochs') return 'epochs';
  if (name === 'batch_size') return 'batchSize';
  return null;
}
