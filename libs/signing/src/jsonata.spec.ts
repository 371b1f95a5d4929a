import { compileTransform, evaluateTransform, TransformError } from './jsonata';

describe('JSONata transforms', () => {
  it('evaluates an expression over the delivery input', async () => {
    const expression = compileTransform('[{"username": data.user, "action": type, "tries": attempt - 1}]');
    await expect(evaluateTransform(expression, { type: 'user_created', data: { user: 'ada' }, attempt: 1 })).resolves.toEqual([
      { username: 'ada', action: 'user_created', tries: 0 },
    ]);
  });

  it('names the error of an expression that does not compile', () => {
    expect(() => compileTransform('{"a": }')).toThrow(TransformError);
    expect(() => compileTransform('{"a": }')).toThrow(/position/);
  });

  it('stops a runaway expression', async () => {
    const forever = compileTransform('($f := function($n) { $f($n + 1) }; $f(0))');
    await expect(evaluateTransform(forever, {})).rejects.toThrow(TransformError);
  });
});
