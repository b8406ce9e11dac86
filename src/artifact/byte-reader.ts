/**
 * Exact-length reads over a stream of chunks, so the tar reader can walk a
 * large archive file without holding it whole, and notices the moment the
 * data runs out (a truncated archive) instead of padding with nothing.
 */
export class ByteReader {
  /** bytes handed out so far: the offset of the next byte in the archive */
  position = 0;
  private chunks: Uint8Array[] = [];
  private head = 0;
  private buffered = 0;

  constructor(
    private readonly source: AsyncIterator<Uint8Array>,
    /** turns an I/O failure of the source into the caller's error */
    private readonly onError: (cause: unknown) => never,
  ) {}

  /** Exactly `n` bytes, or undefined when the stream ends first. */
  async read(n: number): Promise<Uint8Array | undefined> {
    if (n === 0) return new Uint8Array(0);
    if (!(await this.fill(n))) return undefined;
    const first = this.chunks[0]!;
    if (first.byteLength - this.head >= n) return this.take(n);
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const piece = this.take(Math.min(n - filled, this.chunks[0]!.byteLength - this.head));
      out.set(piece, filled);
      filled += piece.byteLength;
    }
    return out;
  }

  /**
   * Hands `n` bytes to `sink` piece by piece as they arrive, never buffering
   * more than one source chunk; false when the stream ends first.
   */
  async pipe(n: number, sink: (piece: Uint8Array) => void): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill(1))) return false;
      const piece = this.take(Math.min(left, this.chunks[0]!.byteLength - this.head));
      sink(piece);
      left -= piece.byteLength;
    }
    return true;
  }

  /** Reads to the end; the archive offset of the first non-zero byte, or undefined. */
  async firstNonZero(): Promise<number | undefined> {
    while (await this.fill(1)) {
      const piece = this.take(this.chunks[0]!.byteLength - this.head);
      const at = piece.findIndex((b) => b !== 0);
      if (at !== -1) return this.position - piece.byteLength + at;
    }
    return undefined;
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    const piece = first.subarray(this.head, this.head + n);
    this.head += n;
    this.buffered -= n;
    this.position += n;
    if (this.head === first.byteLength) {
      this.chunks.shift();
      this.head = 0;
    }
    return piece;
  }

  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await this.source.next();
      } catch (cause) {
        this.onError(cause);
      }
      if (next.done === true) return false;
      if (next.value.byteLength === 0) continue;
      this.chunks.push(next.value);
      this.buffered += next.value.byteLength;
    }
    return true;
  }
}
