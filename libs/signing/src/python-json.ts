/**
 * Serializes like Python's `json.dumps(obj, sort_keys=True)`: keys sorted by code point,
 * separators ", " and ": ", every character outside printable ASCII escaped as \uXXXX, and
 * numbers as Python prints them after `json.loads` (so a receiver that parses the body and
 * dumps it again gets these exact bytes back, and its HMAC matches ours).
 */
export function pythonSortedJson(value: unknown): string {
  return pythonJson(value, true);
}

/**
 * Serializes like Python's default `json.dumps(obj)`: as pythonSortedJson but keys in insertion
 * order (a JSON object parsed by Python keeps its order, so a receiver that dumps it again gets
 * these bytes back).
 */
export function pythonDefaultJson(value: unknown): string {
  return pythonJson(value, false);
}

function pythonJson(value: unknown, sortKeys: boolean): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return pythonNumber(value);
    case 'string':
      return pythonString(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => pythonJson(item ?? null, sortKeys)).join(', ')}]`;
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      if (sortKeys) entries.sort(([a], [b]) => compareCodePoints(a, b));
      return `{${entries.map(([k, v]) => `${pythonString(k)}: ${pythonJson(v, sortKeys)}`).join(', ')}}`;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new TypeError(`cannot serialize a ${typeof value} as JSON`);
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function pythonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    const code = text.charCodeAt(i);
    if (SHORT_ESCAPES[ch]) out += SHORT_ESCAPES[ch];
    else if (code < 0x20 || code > 0x7e)
      out += `\\u${code.toString(16).padStart(4, '0')}`; // UTF-16 units: surrogate pairs as Python writes them
    else out += ch;
  }
  return `${out}"`;
}

function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError('JSON has no NaN or Infinity');
  // An integral value JS prints as digits is read back by Python as an int: same digits.
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  // Otherwise Python reads a float and prints repr(): shortest digits, scientific notation
  // when the exponent is below -4 or at least 16, with at least two exponent digits.
  const [mantissa, exponentText] = n.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const text = String(n);
  return text.includes('.') || text.includes('e') ? text : `${text}.0`;
}

function compareCodePoints(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i += 1) {
    const d = (ca[i].codePointAt(0) ?? 0) - (cb[i].codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}
