/**
 * Where each dataset comes from, what files the loaders need, and how a download is verified.
 * Checksums are over the extracted files where we can state them (ml-100k: the SHA-256 of the
 * official files, which the test suite checks against the real data when it is present), else over
 * the archive as its publisher lists it.
 */
export interface DatasetSource {
  /** Folder name under the data directory. */
  folder: string;
  url: string;
  archive: 'zip' | 'tar.gz';
  /** Path of the dataset folder inside the archive. */
  archiveFolder: string;
  /** Files the loaders read (relative to the folder); at least one must be present. */
  required: string[];
  /** SHA-256 of extracted files. */
  fileSha256?: Record<string, string>;
  /** The archive's MD5 as its publisher lists it. */
  archiveMd5?: string;
}

export const SOURCES: Record<string, DatasetSource> = {
  'ml-100k': {
    folder: 'ml-100k',
    url: 'https://files.grouplens.org/datasets/movielens/ml-100k.zip',
    archive: 'zip',
    archiveFolder: 'ml-100k',
    required: ['u.info', 'u.genre', 'u.item', 'u1.base', 'u1.test'],
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
  'cifar-10': {
    folder: 'cifar-10-batches-bin',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    archive: 'tar.gz',
    archiveFolder: 'cifar-10-batches-bin',
    required: ['batches.meta.txt'],
    // The MD5 listed on the CIFAR page for the binary version; not checked against a download
    // from this (offline) machine.
    archiveMd5: 'c32a1d4ab5d03f1284b67883e8d87530',
  },
};
