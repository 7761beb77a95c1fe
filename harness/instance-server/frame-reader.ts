/**
 * Cuts a byte stream of the framed protocol (framed-protocol.ts: a u32 little-endian body length,
 * then the body) into whole frame bodies, whatever the chunks it arrives in. A body longer than
 * the limit is not buffered: its owner is shown its first `headBytes` bytes (to answer it) and
 * the rest is skipped.
 */
import { LENGTH_BYTES } from './framed-protocol.ts';

export interface FrameReaderHandlers {
  /** A whole body: a view of the received bytes, valid until the handler returns (copy what you keep). */
  readonly onFrame: (body: Buffer) => void;
  /** A body longer than the limit: its first bytes and its declared length; the rest is skipped. */
  readonly onOversized: (head: Buffer, bodyLength: number) => void;
}

export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the pending data must reach before anything can be cut from it. */
  private needed = LENGTH_BYTES;
  private skipping = 0;
  private stopped = false;

  constructor(
    private readonly maxBodyBytes: number,
    private readonly headBytes: number,
    private readonly handlers: FrameReaderHandlers,
  ) {
    if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < headBytes) {
      throw new Error(`a frame reader's body limit must be an integer of at least ${headBytes} bytes, got ${maxBodyBytes}`);
    }
  }

  /** Bytes received and not yet handed out (part of a frame still arriving). */
  get buffered(): number {
    return this.pendingBytes;
  }

  /** Hands out nothing more (the connection is being closed). */
  stop(): void {
    this.stopped = true;
    this.pending = [];
    this.pendingBytes = 0;
  }

  push(chunk: Buffer): void {
    if (this.stopped) return;
    if (this.skipping > 0) {
      const n = Math.min(this.skipping, chunk.length);
      this.skipping -= n;
      if (n === chunk.length) return;
      chunk = chunk.subarray(n);
    }
    let buf: Buffer;
    if (this.pendingBytes === 0) {
      buf = chunk;
    } else {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < this.needed) return;
      buf = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let at = 0;
    while (!this.stopped) {
      const left = buf.length - at;
      if (left < LENGTH_BYTES) {
        this.needed = LENGTH_BYTES;
        break;
      }
      const length = buf.readUInt32LE(at);
      if (length > this.maxBodyBytes) {
        if (left < LENGTH_BYTES + this.headBytes) {
          this.needed = LENGTH_BYTES + this.headBytes;
          break;
        }
        this.handlers.onOversized(buf.subarray(at + LENGTH_BYTES, at + LENGTH_BYTES + this.headBytes), length);
        if (left - LENGTH_BYTES >= length) {
          at += LENGTH_BYTES + length;
          continue;
        }
        this.skipping = length - (left - LENGTH_BYTES);
        at = buf.length;
        break;
      }
      if (left < LENGTH_BYTES + length) {
        this.needed = LENGTH_BYTES + length;
        break;
      }
      this.handlers.onFrame(buf.subarray(at + LENGTH_BYTES, at + LENGTH_BYTES + length));
      at += LENGTH_BYTES + length;
    }
    if (!this.stopped && at < buf.length) {
      this.pending = [buf.subarray(at)];
      this.pendingBytes = buf.length - at;
    }
  }
}
