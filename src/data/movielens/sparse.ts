import { join } from 'node:path';
import { fields, numberField, readText, type TextFile } from '../text.js';
import { DenseIds, expectHeader, genreFlags, idField, itemOf, parseMovies, parseRatings } from './parse.js';
import type { MovieLens, Ratings } from './ratings.js';

/** One file of a format: its name, separator and columns (the CSV files have them as a header). */
interface FileFormat {
  file: string;
  separator: string;
  columns: string[];
}

/**
 * A MovieLens release with sparse ids and no canonical split: a movie list with genres and a
 * ratings file. The two formats below differ only in these details.
 */
interface SparseFormat {
  encoding: TextFile['encoding'];
  header: boolean;
  movies: FileFormat;
  ratings: FileFormat;
  /** Lowest rating and whether ratings are whole stars. */
  minRating: number;
  wholeRatings: boolean;
}

/** MovieLens 1M: `movies.dat` (MovieID::Title::Genres) and `ratings.dat`, Latin-1, whole stars. */
export const ML_1M: SparseFormat = {
  encoding: 'latin1',
  header: false,
  movies: { file: 'movies.dat', separator: '::', columns: ['MovieID', 'Title', 'Genres'] },
  ratings: { file: 'ratings.dat', separator: '::', columns: ['UserID', 'MovieID', 'Rating', 'Timestamp'] },
  minRating: 1,
  wholeRatings: true,
};

/** MovieLens latest / latest-small: CSV with headers and quoted titles, UTF-8, half stars 0.5..5. */
export const ML_LATEST: SparseFormat = {
  encoding: 'utf8',
  header: true,
  movies: { file: 'movies.csv', separator: ',', columns: ['movieId', 'title', 'genres'] },
  ratings: { file: 'ratings.csv', separator: ',', columns: ['userId', 'movieId', 'rating', 'timestamp'] },
  minRating: 0.5,
  wholeRatings: false,
};

async function readFormatFile(dir: string, format: SparseFormat, { file, separator, columns }: FileFormat) {
  const text = await readText(
    join(dir, file),
    format.encoding,
    `lines of ${columns.join(separator)}${format.header ? ' after that header' : ''}`,
  );
  if (format.header) expectHeader(text, columns.join(separator));
  return text;
}

/**
 * Reads a 1M- or latest-format folder. Users and movies get dense 0-based indices (movies in the
 * order of the movie list, users in order of appearance).
 */
export async function readSparseMovieLens(
  name: MovieLens['name'],
  dir: string,
  format: SparseFormat,
): Promise<{ data: MovieLens; ratings: Ratings }> {
  const movies = await readFormatFile(dir, format, format.movies);
  const { itemIndex, titles, perItem } = parseMovies(
    movies,
    format.header,
    format.movies.separator,
    format.movies.columns,
  );
  const ratingsFile = await readFormatFile(dir, format, format.ratings);
  const userIds = new DenseIds();
  const range: [number, number] = [format.minRating, 5];
  const ratings = parseRatings(ratingsFile, format.header, (line) => {
    const [user, movie, rating] = fields(line, format.ratings.separator, format.ratings.columns);
    return [
      userIds.of(idField(line, user, 'the user id')),
      itemOf(line, itemIndex, idField(line, movie, 'the movie id'), format.movies.file),
      numberField(line, rating, 'the rating', range, format.wholeRatings),
    ];
  });
  const { genres, itemGenres } = genreFlags(perItem);
  return {
    data: {
      name,
      users: userIds.size,
      items: perItem.length,
      titles,
      genres,
      itemGenres,
      ratingRange: range,
    },
    ratings,
  };
}
