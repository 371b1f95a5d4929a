import { Batcher } from './batcher';

describe('Batcher', () => {
  it('hands items added together to one flush and returns each its own result', async () => {
    const flushes: number[][] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        flushes.push(items);
        return items.map((n) => n * 10);
      },
      100,
      5,
    );
    const results = await Promise.all([1, 2, 3].map((n) => batcher.add(n)));
    expect(results).toEqual([10, 20, 30]);
    expect(flushes).toEqual([[1, 2, 3]]);
  });

  it('splits at maxSize and rejects the caller whose item fails', async () => {
    const sizes: number[] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        sizes.push(items.length);
        if (items.includes(5)) throw new Error('boom');
        return items;
      },
      2,
      50,
    );
    const settled = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => batcher.add(n)));
    expect(sizes).toEqual([2, 2, 1]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
  });
});

describe('Batcher with a poisoned item', () => {
  it('flushes the items of a failed batch one by one, so only the bad one fails', async () => {
    const flushes: number[][] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        flushes.push(items);
        if (items.includes(2)) throw new Error('cannot store 2');
        return items.map((n) => n * 10);
      },
      100,
      5,
    );
    const settled = await Promise.allSettled([1, 2, 3].map((n) => batcher.add(n)));
    expect(settled).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'rejected', reason: new Error('cannot store 2') },
      { status: 'fulfilled', value: 30 },
    ]);
    expect(flushes).toEqual([[1, 2, 3], [1], [2], [3]]);
  });
});
