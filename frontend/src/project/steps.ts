// The steps of a project, in the order a class works through them.
import type { Step } from '../lib/router';

export interface StepInfo {
  step: Step;
  label: string;
  /** What this page will do, in one sentence, until it is built. */
  coming: string;
}

export const stepInfo: readonly StepInfo[] = [
  {
    step: 'images',
    label: 'Images',
    coming: 'Here you will import the project’s images and see them cut into tiles ready for annotation.',
  },
  {
    step: 'annotate',
    label: 'Annotate',
    coming: 'Here you will draw labels on the tiles by hand, marking what the model should learn to find.',
  },
  {
    step: 'train',
    label: 'Train',
    coming: 'Here you will build a training set from the labelled tiles and start training a model on a CPU or GPU worker.',
  },
  {
    step: 'monitor',
    label: 'Monitor',
    coming: 'Here you will watch a training run live: its progress, its loss and IoU per epoch, and its log.',
  },
  {
    step: 'results',
    label: 'Results',
    coming: 'Here you will evaluate the trained model, compare its predictions with your labels and export a report.',
  },
];

export function infoFor(step: Step): StepInfo {
  const info = stepInfo.find((s) => s.step === step);
  if (!info) throw new Error(`unknown step ${step}`);
  return info;
}
