/**
 * What a long-running command (`bunseal serve`) prints first, read as soon as
 * it is whole: the rest of the stream stays open for the process. Answers
 * everything read when the stream ends before a newline.
 */
export async function readFirstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text;
}
