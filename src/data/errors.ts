/** An input-data problem, located: the file, and the line or record when there is one. */
export class DataError extends Error {
  constructor(
    readonly file: string,
    readonly where: string | undefined,
    problem: string,
  ) {
    super(`${file}${where ? ` ${where}` : ''}: ${problem}`);
    this.name = 'DataError';
  }
}
