/** Datasets: in-memory tables, MovieLens, CIFAR-10 and image folders, and where they are found. */
export {
  batches,
  inputBatches,
  splitDataset,
  subset,
  type Batch,
  type Column,
  type Inputs,
  type RowTransform,
  type TensorDataset,
} from './dataset.js';
export { datasetFromArrays, type ArrayColumn } from './arrays.js';
export { checkDataset, checkInputs } from './check.js';
export { csvData, labelled, readCsv, readCsvTable, type CsvData, type CsvTable } from './csv.js';
export { DataError } from './errors.js';
export { cacheDirectory, downloadDataset, locateDataset, type DataLocation } from './download.js';
export { type Fetcher, type FetchedBody } from './fetch.js';
export { SOURCES, type ArchiveDownload, type DatasetSource } from './sources.js';
export {
  loadMovieLens,
  MOVIELENS_DATASETS,
  type MovieLensName,
  type MovieLensOptions,
} from './movielens/load.js';
export { ML100K_SPLITS, readMl100k, readMl100kRatings, type Ml100kSplit } from './movielens/ml100k.js';
export {
  filterGenre,
  ratingsDataset,
  selectRatings,
  type MovieLens,
  type RatingSplits,
  type Ratings,
} from './movielens/ratings.js';
export { CIFAR10_TEST_BATCH, CIFAR10_TRAIN_BATCHES, loadCifar10, readCifarBatches } from './images/cifar.js';
export { loadImageFolderSplit } from './images/folder.js';
export {
  augment,
  chain,
  channelStats,
  imageDataset,
  normalize,
  perClassSubset,
  selectClasses,
  splitImages,
  type ImageSet,
} from './images/image_set.js';
