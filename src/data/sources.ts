/** A published archive of a dataset, and what a complete, untampered copy looks like. */
export interface ArchiveDownload {
  url: string;
  format: 'zip' | 'tar.gz';
  /** The dataset folder inside the archive. */
  folder: string;
  /** Exact size in bytes: a shorter file is an interrupted download. */
  bytes: number;
  sha256: string;
}

/** Where a dataset lives under a data directory and how to get it. */
export interface DatasetSource {
  /** Folder name under the data directory. */
  folder: string;
  /** Files the loaders need in that folder; an inner list means any one of them. */
  required: (string | string[])[];
  /** Absent when there is no archive with a fixed checksum to download. */
  download?: ArchiveDownload;
  /** SHA-256 of files inside the archive, checked after unpacking. */
  fileSha256?: Record<string, string>;
}

/**
 * Archive sizes and SHA-256 are those TensorFlow Datasets publishes for the same URLs
 * (url_checksums/movielens.txt and cifar10.txt); this project could not download the archives to
 * check them (no internet), so they are UNVERIFIED here. The ml-100k per-file SHA-256 are
 * verified: they are those of the official files in the project's shared data, which the real-data
 * test reads.
 */
export const SOURCES: Record<string, DatasetSource> = {
  'ml-100k': {
    folder: 'ml-100k',
    required: ['u.info', 'u.genre', 'u.item', 'u1.base', 'u1.test'],
    download: {
      url: 'https://files.grouplens.org/datasets/movielens/ml-100k.zip',
      format: 'zip',
      folder: 'ml-100k',
      bytes: 4924029,
      sha256: '50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229',
    },
    fileSha256: {
      'u.data': '06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490',
      'u.genre': '9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb',
      'u.info': '5b0a40b2e47a729ee6203063f6dcf8790c2e63f5a18663e6ee318a72c5f3c27b',
      'u.item': '553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701',
      'u1.base': 'ce253ec86c448b44fb3ba9a30d12dcfc2e9210cbde71efada3730c22e9ac212a',
      'u1.test': '18c6014a4b2c7324f250a63f8904a7b16b2b19f911129e346141507b0cbac950',
      'u2.base': '6c06f0b5df4b256da1a994f3ac66edc8da4d3f09bc9282df6b14d893366d703e',
      'u2.test': '4de658d1e04ed9104629509a2e2528fce833ac8e048280183f1df167632038c3',
      'u3.base': 'afdc155c291c6edc41c0407e39d7462eb98d341e064f0b0a12175b80b3c4af5d',
      'u3.test': '0f548b51c78327de4c156461d3e430b7e5579fe2b5681586a59416e48fd35f6d',
      'u4.base': '219f0f4d40dfe9c5141d425f53fa91ee23ed275f14e280bbf1b50117afb064ca',
      'u4.test': '7c02ad0a1e7ab1083c8b9d4b627203a051dd7b5eab46d99fa44de33470de8db9',
      'u5.base': 'a9574e59ce961eec2121627760b6e9b0974ce1637b3fe69ac32cb14a4bfab485',
      'u5.test': '351cc52e0d15b6c721466276fc24671d40936899e3d01fadeaf312915b8c5634',
      'ua.base': '67b5bcdb380c29f85d56a012ecd88612ae020f30a6730d117a334ee8203b91f2',
      'ua.test': 'd0497e202417720f57a184ec8c66be2d1afa4ff41bb53787c57b28d6bf79bc42',
      'ub.base': '237254d253b6ad7de84f919d041055428646254f34ed8f562703c899430cd881',
      'ub.test': 'd54a72d05730d5892062734b2bec73e976f9b713d18c828a18b968d6cce442da',
    },
  },
  'ml-1m': {
    folder: 'ml-1m',
    required: ['movies.dat', 'ratings.dat'],
    download: {
      url: 'https://files.grouplens.org/datasets/movielens/ml-1m.zip',
      format: 'zip',
      folder: 'ml-1m',
      bytes: 5917549,
      sha256: 'a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20',
    },
  },
  'ml-latest-small': {
    folder: 'ml-latest-small',
    required: ['movies.csv', 'ratings.csv'],
    download: {
      url: 'https://files.grouplens.org/datasets/movielens/ml-latest-small.zip',
      format: 'zip',
      folder: 'ml-latest-small',
      bytes: 978202,
      sha256: '696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436',
    },
  },
  // GroupLens regenerates the full "latest" release from time to time, so no checksum can be
  // fixed for it: it is used where the user puts it, never downloaded.
  'ml-latest': { folder: 'ml-latest', required: ['movies.csv', 'ratings.csv'] },
  'cifar-10': {
    folder: 'cifar-10-batches-bin',
    required: ['batches.meta.txt', ['test_batch.bin', 'test_batch.bin.gz']],
    download: {
      url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
      format: 'tar.gz',
      folder: 'cifar-10-batches-bin',
      bytes: 170052171,
      sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
    },
  },
};
