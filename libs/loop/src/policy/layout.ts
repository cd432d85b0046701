import { ARITHMETIC_TEMPLATES } from '../tasks/arithmetic';
import { MOVES, type Move } from '../tasks/maze';

/**
 * One policy serves both families: a shared feature vector (a family indicator, then one block per
 * family, zeros in the other family's block) and a shared action space that the per-step mask
 * narrows to what the family can say. Bump LAYOUT_VERSION whenever either changes: checkpoints
 * record it and refuse to load under another layout.
 */
export const LAYOUT_VERSION = 'xp.policy.layout/1';

export const ABSTAIN_ACTION = 0;
export const FIRST_TEMPLATE_ACTION = 1;
export const FIRST_MOVE_ACTION = FIRST_TEMPLATE_ACTION + ARITHMETIC_TEMPLATES.length;
export const ACTION_COUNT = FIRST_MOVE_ACTION + MOVES.length;

export function moveAction(move: Move): number {
  return FIRST_MOVE_ACTION + MOVES.indexOf(move);
}

export const FAMILY_FEATURES = 2;
export const ARITHMETIC_FEATURES = 22;
export const MAZE_FEATURES = 19;
export const ARITHMETIC_OFFSET = FAMILY_FEATURES;
export const MAZE_OFFSET = ARITHMETIC_OFFSET + ARITHMETIC_FEATURES;
export const FEATURE_COUNT = MAZE_OFFSET + MAZE_FEATURES;

/** Where the maze block of a row starts, and the version string checkpoints of that layout record. */
export interface InputLayout {
  version: string;
  mazeOffset: number;
}

/** Each family its own block of first-layer weights (the default). */
export const SEPARATE_INPUTS: InputLayout = { version: LAYOUT_VERSION, mazeOffset: MAZE_OFFSET };

/**
 * The maze block written over the arithmetic block: both families train the same first-layer
 * weights, so learning one can overwrite what the other learned (the shared capacity that
 * continual-learning experiments need to see forgetting). The family indicators stay.
 */
export const SHARED_INPUTS: InputLayout = { version: `${LAYOUT_VERSION}+shared-inputs`, mazeOffset: ARITHMETIC_OFFSET };

export function inputLayout(sharedInputs = false): InputLayout {
  return sharedInputs ? SHARED_INPUTS : SEPARATE_INPUTS;
}

/** The layout a checkpoint recorded; undefined for one this code cannot sample. */
export function inputLayoutOf(version: string): InputLayout | undefined {
  return [SEPARATE_INPUTS, SHARED_INPUTS].find((layout) => layout.version === version);
}

/** Added to the logits of actions a step does not allow; softmax turns it into probability 0. */
export const MASKED = -1e9;
