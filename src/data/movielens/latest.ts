import { join } from 'node:path';
import { DataError } from '../errors.js';
import { csvFields, intField, numberField, readText, type TextFile } from '../text.js';
import { DenseIds, genreFlags, parseRatings } from './parse.js';
import type { MovieLens, Ratings } from './ratings.js';

function expectHeader(file: TextFile, header: string): void {
  if (file.lines[0].trim() !== header) {
    throw new DataError(file.path, 'line 1', `expected the header "${header}", got "${file.lines[0]}"`);
  }
}

function expectColumns(file: TextFile, line: number, parts: string[], count: number, columns: string): void {
  if (parts.length !== count) {
    throw new DataError(
      file.path,
      `line ${line + 1}`,
      `expected ${count} comma-separated fields (${columns}), got ${parts.length}`,
    );
  }
}

/**
 * MovieLens "latest" (and latest-small): `ratings.csv` (userId,movieId,rating,timestamp; half
 * stars 0.5..5) and `movies.csv` (movieId,title,genres with quoted titles), UTF-8. Sparse movie
 * ids are mapped to dense indices in the order of movies.csv.
 */
export async function readMlLatest(dir: string): Promise<{ data: MovieLens; ratings: Ratings }> {
  const movies = await readText(join(dir, 'movies.csv'), 'utf8', 'movies as "movieId,title,genres" CSV');
  expectHeader(movies, 'movieId,title,genres');
  const itemIndex = new Map<number, number>();
  const perItem: string[][] = [];
  for (let line = 1; line < movies.lines.length; line++) {
    const parts = csvFields(movies, line);
    expectColumns(movies, line, parts, 3, 'movieId, title, genres');
    const movieId = intField(movies, line, parts[0], 'the movie id', 1, 1e9);
    if (itemIndex.has(movieId))
      throw new DataError(movies.path, `line ${line + 1}`, `movie ${movieId} is listed twice`);
    itemIndex.set(movieId, perItem.length);
    perItem.push(parts[2].split('|'));
  }
  const ratingsFile = await readText(
    join(dir, 'ratings.csv'),
    'utf8',
    'ratings as "userId,movieId,rating,timestamp" CSV',
  );
  expectHeader(ratingsFile, 'userId,movieId,rating,timestamp');
  const userIds = new DenseIds();
  const ratings = parseRatings(ratingsFile, 1, (line) => {
    const parts = ratingsFile.lines[line].split(',');
    expectColumns(ratingsFile, line, parts, 4, 'userId, movieId, rating, timestamp');
    const userId = intField(ratingsFile, line, parts[0], 'the user id', 1, 1e9);
    const movieId = intField(ratingsFile, line, parts[1], 'the movie id', 1, 1e9);
    const item = itemIndex.get(movieId);
    if (item === undefined)
      throw new DataError(ratingsFile.path, `line ${line + 1}`, `movie ${movieId} is not in movies.csv`);
    return [userIds.of(userId), item, numberField(ratingsFile, line, parts[2], 'the rating', 0.5, 5)];
  });
  const { genres, itemGenres } = genreFlags(perItem, perItem.length);
  return {
    data: {
      name: 'ml-latest',
      users: userIds.size,
      items: perItem.length,
      genres,
      itemGenres,
      ratingRange: [0.5, 5],
    },
    ratings,
  };
}
