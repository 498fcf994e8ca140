import { describe, expect, it } from 'vitest';
import { CapacityModel } from '../src/capacity.js';

describe('capacity model', () => {
  it('serves at most `workers` calls at once; the others wait in a bounded queue, then are refused', async () => {
    const model = new CapacityModel({ workers: 2, serviceMs: 10, queueLimit: 1 });
    expect(model.capacity).toBe(200);
    const first = await model.admit();
    const second = await model.admit();
    expect(first.admitted && second.admitted).toBe(true);
    let thirdIn = false;
    const third = model.admit().then((a) => {
      thirdIn = true;
      return a;
    });
    await new Promise((r) => setImmediate(r));
    expect(thirdIn).toBe(false);
    expect(model.stats.waiting).toBe(1);
    expect(await model.admit()).toEqual({ admitted: false, reason: 'queue-full' });
    if (first.admitted) first.release();
    const t = await third;
    expect(thirdIn).toBe(true);
    expect(model.stats).toMatchObject({ busy: 2, waiting: 0, refused: 1 });
    if (t.admitted) t.release();
    if (second.admitted) second.release();
    expect(model.stats).toMatchObject({ busy: 0, served: 3 });
  });

  it('changes at run time: more workers admit the waiting calls at once; down refuses every call', async () => {
    const model = new CapacityModel({ workers: 1, serviceMs: 25, jitter: 0 });
    const a = await model.admit();
    const waiting = model.admit();
    model.update({ workers: 2 });
    const b = await waiting;
    expect(b.admitted).toBe(true);
    if (b.admitted) expect(b.serviceMs).toBe(25);
    model.update({ down: true });
    expect(await model.admit()).toEqual({ admitted: false, reason: 'down' });
    model.update({ down: false });
    if (a.admitted) a.release();
    expect((await model.admit()).admitted).toBe(true);
    expect(() => model.update({ workers: 0 })).toThrow(RangeError);
  });
});
