/**
 * The NDJSON lines of query records, written as UTF-8 bytes straight into a buffer. A line is the
 * same text JSON.stringify gives for the record object with the keys in this order, at a fraction
 * of the cost: a simulated run writes hundreds of thousands of records per wall second, and the
 * writer thread that formats them shares the machine's cores with the simulation. Numbers are
 * written digit by digit (integers, and times in ms with at most 3 decimals, the records' ms3
 * values); anything else (a fraction with more decimals, a huge or non-finite number) goes through
 * JavaScript's own number formatting. Strings are escaped by JSON.stringify (instance ids and paths,
 * cached; loss reasons, rare).
 */
export interface AnswerRecordFields {
  readonly id: number;
  readonly warmup: boolean;
  readonly scheduledMs: number;
  readonly submittedMs: number;
  readonly answeredMs: number;
  readonly latencyUs: number;
  readonly fromSubmitUs: number;
  readonly path: string;
  readonly instance: string | null;
  readonly prediction: number;
  readonly label: number | null;
  readonly correct: boolean | null;
}

export interface LossRecordFields {
  readonly id: number;
  readonly warmup: boolean;
  readonly scheduledMs: number;
  readonly submittedMs: number;
  readonly lostMs: number;
  readonly reason: string;
  readonly label: number | null;
}

const encoder = new TextEncoder();
const bytes = (s: string): Uint8Array => encoder.encode(s);

const ID = bytes('{"id":');
const WARMUP = bytes(',"warmup":');
const ANSWER_SCHEDULED = bytes(',"outcome":"answer","scheduledMs":');
const LOST_SCHEDULED = bytes(',"outcome":"lost","scheduledMs":');
const SUBMITTED = bytes(',"submittedMs":');
const ANSWERED = bytes(',"answeredMs":');
const LATENCY = bytes(',"latencyUs":');
const FROM_SUBMIT = bytes(',"fromSubmitUs":');
const PATH = bytes(',"path":');
const INSTANCE = bytes(',"instance":');
const PREDICTION = bytes(',"prediction":');
const LABEL = bytes(',"label":');
const CORRECT = bytes(',"correct":');
const LOST_AT = bytes(',"lostMs":');
const REASON = bytes(',"reason":');
const TRUE = bytes('true');
const FALSE = bytes('false');
const NULL = bytes('null');
const CLOSE_LINE = bytes('}\n');

/** Below this, an integer's digits are exact in a double and JavaScript writes it without an exponent. */
const PLAIN_INTEGER_LIMIT = 1e15;

/**
 * Record lines, appended to a growing byte buffer (`bytes` up to `length`); the owner writes them
 * out and calls clear(). Keeps the JSON text of the strings it has seen (instance ids and paths: a
 * few hundred at most).
 */
export class QueryRecordLines {
  private buf = new Uint8Array(1 << 16);
  private pos = 0;
  private readonly quoted = new Map<string, Uint8Array>();

  /** Bytes of the lines appended since the last clear(), each ending in a newline. */
  get bytes(): Uint8Array {
    return this.buf;
  }

  get length(): number {
    return this.pos;
  }

  clear(): void {
    this.pos = 0;
  }

  /** Appends the line of an answered query. Times in ms, latencies in µs. */
  appendAnswer(
    id: number,
    warmup: boolean,
    scheduledMs: number,
    submittedMs: number,
    answeredMs: number,
    latencyUs: number,
    fromSubmitUs: number,
    path: string,
    instance: string | null,
    prediction: number,
    label: number | null,
    correct: boolean | null,
  ): void {
    const quotedPath = this.quote(path);
    const quotedInstance = instance === null ? NULL : this.quote(instance);
    // The constant text is under 300 bytes; a number's text is at most 25 characters.
    this.reserve(300 + 8 * 32 + quotedPath.length + quotedInstance.length);
    this.put(ID);
    this.number(id);
    this.put(WARMUP);
    this.put(warmup ? TRUE : FALSE);
    this.put(ANSWER_SCHEDULED);
    this.millis(scheduledMs);
    this.put(SUBMITTED);
    this.millis(submittedMs);
    this.put(ANSWERED);
    this.millis(answeredMs);
    this.put(LATENCY);
    this.number(latencyUs);
    this.put(FROM_SUBMIT);
    this.number(fromSubmitUs);
    this.put(PATH);
    this.put(quotedPath);
    this.put(INSTANCE);
    this.put(quotedInstance);
    this.put(PREDICTION);
    this.number(prediction);
    this.put(LABEL);
    if (label === null) this.put(NULL);
    else this.number(label);
    this.put(CORRECT);
    this.put(correct === null ? NULL : correct ? TRUE : FALSE);
    this.put(CLOSE_LINE);
  }

  /** Appends the line of a lost query. */
  appendLoss(id: number, warmup: boolean, scheduledMs: number, submittedMs: number, lostMs: number, reason: string, label: number | null): void {
    const quotedReason = bytes(JSON.stringify(reason));
    this.reserve(300 + 5 * 32 + quotedReason.length);
    this.put(ID);
    this.number(id);
    this.put(WARMUP);
    this.put(warmup ? TRUE : FALSE);
    this.put(LOST_SCHEDULED);
    this.millis(scheduledMs);
    this.put(SUBMITTED);
    this.millis(submittedMs);
    this.put(LOST_AT);
    this.millis(lostMs);
    this.put(REASON);
    this.put(quotedReason);
    this.put(LABEL);
    if (label === null) this.put(NULL);
    else this.number(label);
    this.put(CLOSE_LINE);
  }

  /** The line of an answered query as text, without the newline (for checks; the buffer is left as it was). */
  answer(r: AnswerRecordFields): string {
    return this.lineText(() =>
      this.appendAnswer(r.id, r.warmup, r.scheduledMs, r.submittedMs, r.answeredMs, r.latencyUs, r.fromSubmitUs, r.path, r.instance, r.prediction, r.label, r.correct),
    );
  }

  /** The line of a lost query as text, without the newline (for checks; the buffer is left as it was). */
  loss(r: LossRecordFields): string {
    return this.lineText(() => this.appendLoss(r.id, r.warmup, r.scheduledMs, r.submittedMs, r.lostMs, r.reason, r.label));
  }

  private lineText(append: () => void): string {
    const start = this.pos;
    append();
    const text = new TextDecoder().decode(this.buf.subarray(start, this.pos - 1));
    this.pos = start;
    return text;
  }

  private quote(s: string): Uint8Array {
    let q = this.quoted.get(s);
    if (q === undefined) {
      q = bytes(JSON.stringify(s));
      if (this.quoted.size < 100_000) this.quoted.set(s, q);
    }
    return q;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (this.pos + n > size) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  private put(text: Uint8Array): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < text.length; i++) buf[p++] = text[i];
    this.pos = p;
  }

  /** A number as JSON.stringify writes it (non-finite: null). */
  private number(x: number): void {
    if (Number.isInteger(x) && x < PLAIN_INTEGER_LIMIT && x > -PLAIN_INTEGER_LIMIT) this.integer(x);
    else this.ascii(Number.isFinite(x) ? `${x}` : 'null');
  }

  /**
   * A time in ms as JSON.stringify writes it. An exact ms3 value (a whole number of µs over 1,000)
   * is written from its integer µs: the whole ms, then up to 3 decimals without trailing zeros,
   * which is JavaScript's shortest round-trip text for such a value.
   */
  private millis(x: number): void {
    const us = Math.round(x * 1000);
    if (!(us / 1000 === x && us < PLAIN_INTEGER_LIMIT && us > -PLAIN_INTEGER_LIMIT)) {
      this.number(x);
      return;
    }
    let a = us;
    if (us < 0) {
      this.buf[this.pos++] = 45; // '-'
      a = -us;
    }
    const whole = Math.floor(a / 1000);
    const frac = a - whole * 1000;
    this.integer(whole);
    if (frac === 0) return;
    const buf = this.buf;
    const d1 = Math.floor(frac / 100);
    const d2 = Math.floor(frac / 10) - d1 * 10;
    const d3 = frac - d1 * 100 - d2 * 10;
    buf[this.pos++] = 46; // '.'
    buf[this.pos++] = 48 + d1;
    if (d2 !== 0 || d3 !== 0) buf[this.pos++] = 48 + d2;
    if (d3 !== 0) buf[this.pos++] = 48 + d3;
  }

  /** An integer below PLAIN_INTEGER_LIMIT in magnitude (-0 is written 0, as JSON.stringify does). */
  private integer(x: number): void {
    const buf = this.buf;
    let v = x;
    if (v < 0) {
      buf[this.pos++] = 45; // '-'
      v = -v;
    }
    let digits = 1;
    for (let p = 10; p <= v; p *= 10) digits++;
    let i = this.pos + digits;
    this.pos = i;
    while (v >= 10) {
      const q = Math.floor(v / 10);
      buf[--i] = 48 + (v - q * 10);
      v = q;
    }
    buf[--i] = 48 + v;
  }

  /** Text that is plain ASCII (JavaScript's number formatting). */
  private ascii(text: string): void {
    const buf = this.buf;
    for (let i = 0; i < text.length; i++) buf[this.pos++] = text.charCodeAt(i);
  }
}
