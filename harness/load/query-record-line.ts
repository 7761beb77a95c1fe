/**
 * The NDJSON line of one query record, built field by field. It is the same text JSON.stringify
 * gives for the record object with the keys in this order, at a fraction of the cost: a simulated
 * run writes hundreds of thousands of records per wall second. Strings are escaped by
 * JSON.stringify (instance ids and paths, cached; loss reasons, rare).
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

/** JSON text of a number as JSON.stringify writes it (non-finite numbers are null). */
function num(x: number): string {
  return Number.isFinite(x) ? `${x}` : 'null';
}

/**
 * JSON text of a time in ms with at most 3 decimals (the records' ms3 values), built from the
 * integer number of µs: integer formatting is several times faster than the shortest-decimal
 * search of a fractional double, and gives the same text when the value is an exact ms3 value
 * (checked; anything else goes through the general path).
 */
export function millisText(x: number): string {
  const us = Math.round(x * 1000);
  if (!(us / 1000 === x && us < 1e15 && us > -1e15)) return num(x);
  const negative = us < 0;
  const a = negative ? -us : us;
  const whole = Math.floor(a / 1000);
  const frac = a - whole * 1000;
  let text: string;
  if (frac === 0) text = `${whole}`;
  else if (frac % 100 === 0) text = `${whole}.${frac / 100}`;
  else if (frac % 10 === 0) text = `${whole}.${frac < 100 ? '0' : ''}${frac / 10}`;
  else text = `${whole}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
  return negative ? `-${text}` : text;
}

function numOrNull(x: number | null): string {
  return x === null ? 'null' : num(x);
}

/** Builds record lines; keeps the JSON text of the strings it has seen (instance ids and paths: a few hundred at most). */
export class QueryRecordLines {
  private readonly quoted = new Map<string, string>();

  private quote(s: string): string {
    let q = this.quoted.get(s);
    if (q === undefined) {
      q = JSON.stringify(s);
      if (this.quoted.size < 100_000) this.quoted.set(s, q);
    }
    return q;
  }

  /** `{"id":…,"warmup":…,"outcome":"answer",…}` without the newline. */
  answer(r: AnswerRecordFields): string {
    return (
      `{"id":${num(r.id)},"warmup":${r.warmup},"outcome":"answer","scheduledMs":${millisText(r.scheduledMs)},"submittedMs":${millisText(r.submittedMs)}` +
      `,"answeredMs":${millisText(r.answeredMs)},"latencyUs":${num(r.latencyUs)},"fromSubmitUs":${num(r.fromSubmitUs)},"path":${this.quote(r.path)}` +
      `,"instance":${r.instance === null ? 'null' : this.quote(r.instance)},"prediction":${num(r.prediction)},"label":${numOrNull(r.label)}` +
      `,"correct":${r.correct === null ? 'null' : r.correct}}`
    );
  }

  /** `{"id":…,"warmup":…,"outcome":"lost",…}` without the newline. */
  loss(r: LossRecordFields): string {
    return (
      `{"id":${num(r.id)},"warmup":${r.warmup},"outcome":"lost","scheduledMs":${millisText(r.scheduledMs)},"submittedMs":${millisText(r.submittedMs)}` +
      `,"lostMs":${millisText(r.lostMs)},"reason":${JSON.stringify(r.reason)},"label":${numOrNull(r.label)}}`
    );
  }
}
