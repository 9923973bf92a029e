import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LiveEvent } from './api';
import { desktopEventName, subscribeLive } from './live';

/** Just enough of EventSource to drive the reconnect logic by hand. */
class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static all: FakeEventSource[] = [];

  readyState = FakeEventSource.CONNECTING;
  closed = false;
  onopen: (() => void) | null = null;
  onmessage: ((m: MessageEvent) => void) | null = null;
  onerror: (() => void) | null = null;

  constructor(
    readonly url: string,
    readonly init?: EventSourceInit,
  ) {
    FakeEventSource.all.push(this);
  }
  open() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.();
  }
  send(data: string) {
    this.onmessage?.({ data } as MessageEvent);
  }
  fail(closed: boolean) {
    this.readyState = closed ? FakeEventSource.CLOSED : FakeEventSource.CONNECTING;
    this.onerror?.();
  }
  close() {
    this.closed = true;
    this.readyState = FakeEventSource.CLOSED;
  }
}

const noWails = {} as Window;
const ES = FakeEventSource as unknown as typeof EventSource;

afterEach(() => {
  FakeEventSource.all = [];
  vi.useRealTimers();
});

describe('subscribeLive over SSE', () => {
  it('delivers decoded events and reports status', () => {
    const events: LiveEvent[] = [];
    const status: boolean[] = [];
    const stop = subscribeLive(
      { onEvent: (e) => events.push(e), onStatus: (s) => status.push(s) },
      { url: '/api/events', win: noWails, EventSource: ES },
    );
    const es = FakeEventSource.all[0]!;
    expect(es.url).toBe('/api/events');
    es.open();
    es.send('{"type":"project.created","project_id":5,"time":"2026-11-27T04:00:00Z"}');
    es.send('garbage');
    expect(events).toEqual([{ type: 'project.created', project_id: 5, time: '2026-11-27T04:00:00Z' }]);
    expect(status).toEqual([true]);
    stop();
    expect(es.closed).toBe(true);
  });

  it('asks for a resync after the browser reconnects by itself', () => {
    const onResync = vi.fn();
    subscribeLive({ onEvent: () => {}, onResync }, { url: '/e', win: noWails, EventSource: ES });
    const es = FakeEventSource.all[0]!;
    es.open();
    expect(onResync).not.toHaveBeenCalled();
    es.fail(false);
    es.open();
    expect(onResync).toHaveBeenCalledTimes(1);
    expect(FakeEventSource.all).toHaveLength(1);
  });

  it('reconnects with backoff once the stream is closed for good', () => {
    vi.useFakeTimers();
    const onResync = vi.fn();
    const stop = subscribeLive(
      { onEvent: () => {}, onResync },
      { url: '/e', win: noWails, EventSource: ES, minDelay: 100, maxDelay: 250 },
    );
    FakeEventSource.all[0]!.fail(true);
    expect(FakeEventSource.all[0]!.closed).toBe(true);
    vi.advanceTimersByTime(99);
    expect(FakeEventSource.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.all).toHaveLength(2);
    FakeEventSource.all[1]!.fail(true);
    vi.advanceTimersByTime(199);
    expect(FakeEventSource.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.all).toHaveLength(3);
    FakeEventSource.all[2]!.open();
    expect(onResync).toHaveBeenCalledTimes(1);
    FakeEventSource.all[2]!.fail(true);
    stop();
    vi.advanceTimersByTime(10_000);
    expect(FakeEventSource.all).toHaveLength(3);
  });

  it('stops retrying once the refused stream turns out to be an ended session', async () => {
    vi.useFakeTimers();
    const checks: ((ended: boolean) => void)[] = [];
    const sessionEnded = () => new Promise<boolean>((r) => checks.push(r));
    const stop = subscribeLive({ onEvent: () => {} }, { url: '/e', win: noWails, EventSource: ES, minDelay: 100, sessionEnded });
    FakeEventSource.all[0]!.open();
    // The browser retrying by itself is no reason to ask.
    FakeEventSource.all[0]!.fail(false);
    expect(checks).toHaveLength(0);
    // Refused (the server restarted, or the network blipped): still signed in.
    FakeEventSource.all[0]!.fail(true);
    expect(checks).toHaveLength(1);
    checks[0]!(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(FakeEventSource.all).toHaveLength(2);
    // Refused again, and this time the session has ended (401).
    FakeEventSource.all[1]!.fail(true);
    checks[1]!(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeEventSource.all).toHaveLength(2);
    stop();
  });
});

describe('subscribeLive in the desktop window', () => {
  it('uses Wails runtime events instead of SSE', () => {
    const handlers = new Map<string, (...d: unknown[]) => void>();
    const off = vi.fn();
    const win = {
      runtime: {
        EventsOn: (name: string, cb: (...d: unknown[]) => void) => {
          handlers.set(name, cb);
          return off;
        },
      },
    } as unknown as Window;
    const events: LiveEvent[] = [];
    const stop = subscribeLive({ onEvent: (e) => events.push(e) }, { url: '/api/events', win, EventSource: ES });
    expect(FakeEventSource.all).toHaveLength(0);
    const cb = handlers.get(desktopEventName)!;
    cb({ type: 'project.updated', project_id: 2, time: 't' });
    cb('{"type":"project.deleted","project_id":2,"time":"t"}');
    cb(42);
    expect(events.map((e) => e.type)).toEqual(['project.updated', 'project.deleted']);
    stop();
    expect(off).toHaveBeenCalledTimes(1);
  });
});
