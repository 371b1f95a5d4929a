import jsonata from 'jsonata';

/** How long one transform may run at delivery time, and how deep it may recurse. */
const TIME_LIMIT_MS = 100;
const MAX_DEPTH = 500;

/** A JSONata expression that failed to compile or to evaluate. */
export class TransformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformError';
  }
}

/** Compiles a JSONata expression with time and depth guardrails; throws TransformError naming the problem. */
export function compileTransform(expression: string): jsonata.Expression {
  try {
    const options = { timeout: TIME_LIMIT_MS, stack: MAX_DEPTH } as unknown as Parameters<typeof jsonata>[1];
    return jsonata(expression, options);
  } catch (error) {
    throw new TransformError(describe(error));
  }
}

/** Evaluates a compiled expression; a runaway one fails after TIME_LIMIT_MS instead of blocking. */
export async function evaluateTransform(expression: jsonata.Expression, input: unknown): Promise<unknown> {
  try {
    return await expression.evaluate(input);
  } catch (error) {
    throw new TransformError(describe(error));
  }
}

function describe(error: unknown): string {
  const { message, position, code } = error as { message?: string; position?: number; code?: string };
  const text =
    message ??
    (code === 'D1012'
      ? `transform took longer than ${TIME_LIMIT_MS} ms`
      : code === 'D1011'
        ? 'transform recursed too deeply'
        : 'invalid transform');
  return `${text}${position !== undefined && position > 0 ? ` (at position ${position})` : ''}`;
}
