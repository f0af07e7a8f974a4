import { describe, expect, it } from 'vitest';
import { Coalescer, canonicalJson, requestKey } from '../../src/core/batch/coalesce';

/** A stream whose events are released by the test, counting how often it was started. */
function controlledSource() {
  const pending: ((v: IteratorResult<string>) => void)[] = [];
  const queued: IteratorResult<string>[] = [];
  let starts = 0;
  let signal: AbortSignal | undefined;
  const take = () =>
    new Promise<IteratorResult<string>>((resolve) => {
      const ready = queued.shift();
      if (ready) resolve(ready);
      else pending.push(resolve);
    });
  const give = (r: IteratorResult<string>) => {
    const waiting = pending.shift();
    if (waiting) waiting(r);
    else queued.push(r);
  };
  return {
    start: (s: AbortSignal): AsyncIterable<string> => {
      starts++;
      signal = s;
      s.addEventListener('abort', () => give({ done: true, value: undefined }));
      return { [Symbol.asyncIterator]: () => ({ next: take }) };
    },
    emit: (v: string) => give({ done: false, value: v }),
    end: () => give({ done: true, value: undefined }),
    get starts() {
      return starts;
    },
    get signal() {
      return signal;
    },
  };
}

async function* fromArray<T>(values: T[]): AsyncGenerator<T> {
  for (const v of values) {
    await Promise.resolve();
    yield v;
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('Coalescer', () => {
  it('gives two callers of the same key the same full event sequence from one underlying call', async () => {
    const c = new Coalescer<string>();
    let calls = 0;
    const start = () => {
      calls++;
      return fromArray(['a', 'b', 'c']);
    };
    const [x, y] = await Promise.all([collect(c.run('k', start)), collect(c.run('k', start))]);
    expect(x).toEqual(['a', 'b', 'c']);
    expect(y).toEqual(['a', 'b', 'c']);
    expect(calls).toBe(1);
  });

  it('replays the events so far to a caller joining mid-stream, then streams live ones', async () => {
    const c = new Coalescer<string>();
    const src = controlledSource();
    const first: string[] = [];
    const firstDone = (async () => {
      for await (const e of c.run('k', src.start)) first.push(e);
    })();
    src.emit('one');
    src.emit('two');
    await tick();
    expect(first).toEqual(['one', 'two']);

    const second: string[] = [];
    const secondDone = (async () => {
      for await (const e of c.run('k', src.start)) second.push(e);
    })();
    await tick();
    expect(second).toEqual(['one', 'two']);
    src.emit('three');
    src.end();
    await Promise.all([firstDone, secondDone]);
    expect(first).toEqual(['one', 'two', 'three']);
    expect(second).toEqual(['one', 'two', 'three']);
    expect(src.starts).toBe(1);
  });

  it('runs different keys separately', async () => {
    const c = new Coalescer<string>();
    const starts: string[] = [];
    const start = (name: string) => () => {
      starts.push(name);
      return fromArray([name]);
    };
    const [a, b] = await Promise.all([collect(c.run('a', start('a'))), collect(c.run('b', start('b')))]);
    expect(a).toEqual(['a']);
    expect(b).toEqual(['b']);
    expect(starts.sort()).toEqual(['a', 'b']);
  });

  it('starts a new call for a key whose call has finished', async () => {
    const c = new Coalescer<number>();
    let calls = 0;
    const start = () => fromArray([++calls]);
    expect(await collect(c.run('k', start))).toEqual([1]);
    expect(c.inFlight).toBe(0);
    expect(await collect(c.run('k', start))).toEqual([2]);
    expect(calls).toBe(2);
  });

  it('re-throws an error of the underlying stream to every caller after the events before it', async () => {
    const c = new Coalescer<string>();
    async function* failing() {
      yield 'partial';
      throw new Error('boom');
    }
    const attempt = async () => {
      const seen: string[] = [];
      try {
        for await (const e of c.run('k', failing)) seen.push(e);
      } catch (err) {
        return { seen, error: (err as Error).message };
      }
      return { seen };
    };
    expect(await Promise.all([attempt(), attempt()])).toEqual([
      { seen: ['partial'], error: 'boom' },
      { seen: ['partial'], error: 'boom' },
    ]);
  });

  it('keeps the call going while one caller remains, and cancels it when the last caller stops early', async () => {
    const c = new Coalescer<string>();
    const src = controlledSource();
    const quitter = (async () => {
      for await (const e of c.run('k', src.start)) if (e === 'one') break;
    })();
    const stayer = new AbortController();
    const stayed: string[] = [];
    const stayerDone = (async () => {
      for await (const e of c.run('k', src.start, stayer.signal)) stayed.push(e);
    })();
    src.emit('one');
    await quitter;
    expect(src.signal!.aborted).toBe(false);
    src.emit('two');
    await tick();
    expect(stayed).toEqual(['one', 'two']);

    stayer.abort(); // the last caller leaves while waiting for the next event
    await stayerDone;
    expect(src.signal!.aborted).toBe(true);
    expect(c.inFlight).toBe(0);

    // A caller arriving after that starts afresh instead of joining the cancelled call.
    const fresh = c.run('k', () => fromArray(['new']));
    expect(await collect(fresh)).toEqual(['new']);
  });
});

describe('requestKey', () => {
  const messages = [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'hi' },
  ];

  it('is a sha256 hex digest, equal for equal requests whatever the key order', () => {
    const a = requestKey({ model: 'llama3.2', route: 'auto', messages });
    const b = requestKey({ route: 'auto', messages: messages.map((m) => ({ content: m.content, role: m.role })), model: 'llama3.2' });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
  });

  it('differs when the model, the route or any message differs', () => {
    const base = requestKey({ route: 'auto', messages });
    expect(requestKey({ model: 'llama3.2', route: 'auto', messages })).not.toBe(base);
    expect(requestKey({ route: 'local', messages })).not.toBe(base);
    expect(requestKey({ route: 'auto', messages: [...messages, { role: 'user', content: 'more' }] })).not.toBe(base);
    expect(requestKey({ route: 'auto', messages: [messages[1], messages[0]] })).not.toBe(base);
  });

  it('canonical JSON sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined, x: 0 }], c: 3 } })).toBe('{"a":{"c":3,"d":[2,{"x":0,"z":1}]},"b":1}');
  });
});
