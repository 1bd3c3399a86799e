/**
 * Pure builders for the signed strings. Every line — the last one included — ends with a single LF,
 * so an empty body yields a message ending in "\n\n" (spec §1.1, §2.2).
 */

export function requestMessage(
  method: string,
  pathWithQuery: string,
  timestamp: string,
  nonce: string,
  body: string,
): string {
  return `${method}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${body}\n`;
}

export function answerMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}
