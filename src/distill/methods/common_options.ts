import { z } from 'zod';
import { fields } from '../../util/schema.js';

/*
 * Settings several methods share. Each method's schema lives in its own file and is a strict
 * object (util/schema.ts's `fields`) with method.md's defaults, so a typo never silently runs a
 * default.
 */

/** How a teacher whose label space differs from the downstream one gets a downstream head. */
export const teacherHead = z
  .enum(['auto', 'finetune', 'keep'])
  .default('auto')
  .describe("'auto': fine-tune a new head when the output sizes differ; 'finetune': always; 'keep': never");

export const layerName = z.string().min(1);

/**
 * Which teacher a method learns from: the pre-trained one, or a control with the same architecture
 * at untrained weights drawn from the run's seed (method.md, Controls), which shows how much of the
 * method's effect is the teacher's knowledge rather than regularisation by the extra losses.
 */
export const teacherInit = z.enum(['pretrained', 'random']).default('pretrained');

/** The `teacher` field of a method whose only teacher setting is which teacher it is. */
export const teacherOptions = fields({ init: teacherInit }).prefault({});
