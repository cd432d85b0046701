import { ABSTAIN_ACTION, ACTION_COUNT, FIRST_MOVE_ACTION, MASKED } from './layout';

/**
 * The per-step action masks. A mask depends only on the family and on whether a maze attempt has
 * moved yet, so there are three, built once and named by index.
 */
export const ARITHMETIC_MASK = 0;
export const MAZE_FIRST_MASK = 1;
export const MAZE_MASK = 2;
/** Marks a buffer row whose mask is not known to be any of them. */
export const NO_MASK = 255;

const ALLOWED: Array<(action: number) => boolean> = [
  (a) => a < FIRST_MOVE_ACTION,
  // Abstaining is a decision about the whole problem, so it is only offered before the first move.
  (a) => a >= FIRST_MOVE_ACTION || a === ABSTAIN_ACTION,
  (a) => a >= FIRST_MOVE_ACTION,
];

/** The model input per mask: 0 where allowed, MASKED elsewhere. */
export const MASK_ROWS: readonly Float32Array[] = ALLOWED.map((allowed) =>
  Float32Array.from({ length: ACTION_COUNT }, (_, a) => (allowed(a) ? 0 : MASKED)));
