import { z } from 'zod';

/**
 * A strict object whose unknown fields are errors that list the fields there are, so that a typo
 * (`mesageSize`) says what was meant.
 */
export function fields<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field; expected one of ${Object.keys(shape).join(', ')}`
        : undefined,
  });
}

/** One line per problem: the field's path and what was wrong, with the allowed values. */
export function formatIssues(what: string, error: z.ZodError): string {
  const line = (path: PropertyKey[], message: string) =>
    `  ${path.length ? path.map(String).join('.') : '(top level)'}: ${message}`;
  // An unknown field is named by its own path, not by the object that holds it.
  const lines = error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => line([...issue.path, key], issue.message))
      : [line(issue.path, issue.message)],
  );
  return `Invalid ${what}:\n${lines.join('\n')}`;
}

/** Parses a JSON file's text against `schema`; errors name the file and say what was expected. */
export function parseJson<T>(file: string, text: string, schema: z.ZodType<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: ${what} is not valid JSON (${(error as Error).message})`);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new Error(`${file}: ${what} is not as expected:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
