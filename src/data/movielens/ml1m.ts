import { join } from 'node:path';
import { DataError } from '../errors.js';
import { fields, intField, readText } from '../text.js';
import { DenseIds, genreFlags, parseRatings } from './parse.js';
import type { MovieLens, Ratings } from './ratings.js';

/**
 * MovieLens 1M: `ratings.dat` (UserID::MovieID::Rating::Timestamp) and `movies.dat`
 * (MovieID::Title::Genre|Genre...), Latin-1. Movie ids have gaps, so they are mapped to dense
 * indices in the order of movies.dat.
 */
export async function readMl1m(dir: string): Promise<{ data: MovieLens; ratings: Ratings }> {
  const movies = await readText(
    join(dir, 'movies.dat'),
    'latin1',
    'movies as "MovieID::Title::Genres" lines',
  );
  const itemIndex = new Map<number, number>();
  const perItem: string[][] = [];
  movies.lines.forEach((_, line) => {
    const [id, , genres] = fields(movies, line, '::', 3, 'MovieID, Title, Genres');
    const movieId = intField(movies, line, id, 'the movie id', 1, 1e9);
    if (itemIndex.has(movieId))
      throw new DataError(movies.path, `line ${line + 1}`, `movie ${movieId} is listed twice`);
    itemIndex.set(movieId, perItem.length);
    perItem.push(genres.split('|'));
  });
  const ratingsFile = await readText(
    join(dir, 'ratings.dat'),
    'latin1',
    'ratings as "UserID::MovieID::Rating::Timestamp" lines',
  );
  const userIds = new DenseIds();
  const ratings = parseRatings(ratingsFile, 0, (line) => {
    const [user, movie, rating] = fields(ratingsFile, line, '::', 4, 'UserID, MovieID, Rating, Timestamp');
    const userId = intField(ratingsFile, line, user, 'the user id', 1, 1e9);
    const movieId = intField(ratingsFile, line, movie, 'the movie id', 1, 1e9);
    const item = itemIndex.get(movieId);
    if (item === undefined)
      throw new DataError(ratingsFile.path, `line ${line + 1}`, `movie ${movieId} is not in movies.dat`);
    return [userIds.of(userId), item, intField(ratingsFile, line, rating, 'the rating', 1, 5)];
  });
  const { genres, itemGenres } = genreFlags(perItem, perItem.length);
  return {
    data: {
      name: 'ml-1m',
      users: userIds.size,
      items: perItem.length,
      genres,
      itemGenres,
      ratingRange: [1, 5],
    },
    ratings,
  };
}
