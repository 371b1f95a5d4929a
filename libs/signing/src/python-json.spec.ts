import { execFileSync } from 'node:child_process';
import { pythonDefaultJson, pythonSortedJson } from './python-json';

const SAMPLES: unknown[] = [
  { b: 1, a: [true, false, null], ä: 'Привет, мир', c: { z: 'x', y: '😀 emoji' } },
  { amount: 12.5, tiny: 0.00001, small: 0.0001, big: 1e21, bigger: 1.5e300, neg: -0.5, int: 42, zero: 0, negInt: -7 },
  { text: 'quotes " and \\ backslash, tab\t, newline\n, del\u007f, nul\u0000, ctrl\u001f' },
  { nested: [[], {}, [{}], { k: [1, 2, { m: 'ü' }] }] },
  { keys: { B: 1, a: 2, _: 3, '1': 4, É: 5, e: 6 } },
  [1.1, 2.25, 1e-7, 3.14159, 100.0, 1234567.891, 1e16, 2e-5],
];

describe('pythonSortedJson', () => {
  it('produces the bytes of Python json.dumps(json.loads(body), sort_keys=True) for every sample', () => {
    for (const sample of SAMPLES) {
      const ours = pythonSortedJson(sample);
      // What a Python receiver computes from our body: parse it, dump it again sorted.
      const theirs = execFileSync(
        'python3',
        ['-c', 'import json,sys; sys.stdout.write(json.dumps(json.loads(sys.stdin.read()), sort_keys=True))'],
        {
          input: ours,
        },
      ).toString('utf8');
      expect(ours).toBe(theirs);
      expect(JSON.parse(ours)).toEqual(JSON.parse(JSON.stringify(sample)));
    }
  });
});

describe('pythonDefaultJson', () => {
  it('produces the bytes of Python json.dumps(json.loads(body)) (insertion order) for every sample but integer-like keys', () => {
    // JavaScript puts integer-like keys ("1") first whatever the insertion order; Python keeps it (docs/receivers.md says so).
    const samples = SAMPLES.filter((sample) => !JSON.stringify(sample).includes('"1":'));
    expect(samples.length).toBe(SAMPLES.length - 1);
    for (const sample of [...samples, { zeta: 1, alpha: { y: 2, x: [1.5, 'é'] }, enqueued_at: 1680506457.636 }]) {
      const ours = pythonDefaultJson(sample);
      const theirs = execFileSync('python3', ['-c', 'import json,sys; sys.stdout.write(json.dumps(json.loads(sys.stdin.read())))'], {
        input: ours,
      }).toString('utf8');
      expect(ours).toBe(theirs);
      expect(JSON.parse(ours)).toEqual(JSON.parse(JSON.stringify(sample)));
    }
    expect(pythonDefaultJson({ b: 1, a: 'é' })).toBe('{"b": 1, "a": "\\u00e9"}');
  });
});
