const decoder = new TextDecoder();

/** Parses a JSON message body. */
export function decodeJson<T>(data: Uint8Array): T {
  return JSON.parse(decoder.decode(data)) as T;
}

/**
 * The JSON of a non-empty object with one more field whose value is already serialized, so a
 * large value that had to be serialized anyway (to measure it) is not serialized twice.
 */
export function jsonWithRawField(object: Record<string, unknown>, field: string, rawJson: string): string {
  const head = JSON.stringify(object);
  return `${head.slice(0, -1)}${head === '{}' ? '' : ','}${JSON.stringify(field)}:${rawJson}}`;
}
