const decoder = new TextDecoder();

/** Parses a JSON message body. */
export function decodeJson<T>(data: Uint8Array): T {
  return JSON.parse(decoder.decode(data)) as T;
}
