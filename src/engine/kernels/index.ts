import { registerBatchNormKernels } from './batch_norm_kernels.js';
import { registerBroadcastGradients } from './broadcast_gradients.js';
import { registerChannelAffine } from './channel_affine.js';
import { registerChannelSums } from './channel_sums.js';
import { registerConvGradients } from './conv_gradients.js';
import { registerGather } from './gather.js';
import { registerOptimizerUpdates } from './optimizer_updates.js';
import { registerRelu } from './relu.js';
import { registerSharedIdentity } from './shared_identity.js';
import { registerSplit } from './split.js';
import { registerTile } from './tile.js';
import { registerTranspose } from './transpose.js';
import { registerTransposedMatMul } from './transposed_matmul.js';
import { registerUnsortedSegmentSum } from './unsorted_segment_sum.js';

/**
 * Kernels the project registers on the wasm backend: training kernels that backend lacks, and
 * faster replacements for slow ones. Called once the wasm backend module is loaded.
 */
let registered = false;

export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  registerTransposedMatMul();
  registerUnsortedSegmentSum();
  registerTranspose();
  registerGather();
  registerSplit();
  registerConvGradients();
  registerTile();
  registerChannelAffine();
  registerRelu();
  registerChannelSums();
  registerSharedIdentity();
  registerBroadcastGradients();
  registerOptimizerUpdates();
  registerBatchNormKernels();
}
