import { tf, type LayersModel } from '../engine/tf.js';

/**
 * A copy of a model with weights of its own, through tfjs's own serialisation (as a save and a
 * load would make it), so that training the copy leaves the original as it was.
 */
export async function cloneModel(model: LayersModel): Promise<LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(artifacts!));
}
