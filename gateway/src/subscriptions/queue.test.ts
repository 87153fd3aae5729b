import { BoundedQueue, SUBSCRIPTION_BUFFER_OVERFLOW } from './queue';

describe('BoundedQueue (per-subscription buffer at the gateway)', () => {
  test('delivers in order, waits for items, and ends after the buffered ones', async () => {
    const q = new BoundedQueue<number>(10);
    q.push(1);
    q.push(2);
    expect(await q.next()).toEqual({ value: 1, done: false });
    expect(await q.next()).toEqual({ value: 2, done: false });
    const pending = q.next();
    q.push(3);
    expect(await pending).toEqual({ value: 3, done: false });
    q.push(4);
    q.end();
    expect(await q.next()).toEqual({ value: 4, done: false });
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  test('a consumer that falls behind the limit gets SUBSCRIPTION_BUFFER_OVERFLOW and the producer is told', async () => {
    let told = 0;
    const q = new BoundedQueue<number>(3, () => { told++; });
    for (let i = 0; i < 10; i++) q.push(i);
    expect(told).toBe(1);
    await expect(q.next()).rejects.toMatchObject({ extensions: { code: SUBSCRIPTION_BUFFER_OVERFLOW } });
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });
});
