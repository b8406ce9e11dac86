/**
 * A dropped file's SHA-256, computed here with WebCrypto. The file is never
 * sent anywhere: only the digest goes to the server, in a GET path.
 */
export async function sha256OfFile(file: Blob): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
