/**
 * How fast the simulator's event queue runs on its own: wall ns per event of the virtual clock,
 * with `--timers` reusable timers pending at once (as a simulation has one completion timer per
 * busy instance), each set again when it fires, `--min` to `--max` ms ahead (service times of about
 * 20 ms). The callbacks do nothing else, so this is the cost of setting, ordering and running an
 * event: the floor under every simulated query, which takes about 2.5 events with ParM.
 *
 * Run: node --import tsx benchmarks/virtual-clock-speed.ts [--events 2000000] [--timers 140] [--min 15] [--max 25] [--rounds 5]
 */
import { parseArgs } from 'node:util';
import { SeededRandom } from '../harness/seeded-random.ts';
import { VirtualClock } from '../harness/sim/virtual-clock.ts';
import { textTable } from '../reports/format.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2000000' },
    timers: { type: 'string', default: '140' },
    min: { type: 'string', default: '15' },
    max: { type: 'string', default: '25' },
    rounds: { type: 'string', default: '5' },
  },
});
const events = Number(values.events);
const timers = Number(values.timers);
const min = Number(values.min);
const max = Number(values.max);
const rounds = Number(values.rounds);
if (!(Number.isInteger(events) && events > 0)) throw new Error(`--events: a positive integer, got ${values.events}`);
if (!(Number.isInteger(timers) && timers > 0)) throw new Error(`--timers: a positive integer, got ${values.timers}`);
if (!(min >= 0 && max > min)) throw new Error(`--min ${values.min} --max ${values.max}: 0 <= min < max (ms)`);
if (!(Number.isInteger(rounds) && rounds > 0)) throw new Error(`--rounds: a positive integer, got ${values.rounds}`);

function round(seed: number): { ns: number; fired: number } {
  const clock = new VirtualClock();
  const random = new SeededRandom(seed);
  let fired = 0;
  for (let i = 0; i < timers; i++) {
    const timer = clock.timer(() => {
      fired++;
      if (fired < events) timer.set(min + random.next() * (max - min));
    });
    timer.set(random.next() * max);
  }
  const started = process.hrtime.bigint();
  clock.run();
  return { ns: Number(process.hrtime.bigint() - started), fired };
}

process.stderr.write(`virtual-clock-speed: ${events.toLocaleString('en-US')} events, ${timers} timers pending, set ${min}-${max} ms ahead; an untimed round first\n`);
round(0);
const rows: string[][] = [];
for (let r = 1; r <= rounds; r++) {
  const m = round(r);
  rows.push([String(r), m.fired.toLocaleString('en-US'), (m.ns / 1e6).toFixed(1), (m.ns / m.fired).toFixed(1)]);
}
process.stdout.write(`${textTable(['round', 'events', 'wall ms', 'ns / event'], rows)}\n`);
