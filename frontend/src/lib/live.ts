// Live events from the backend: Wails' runtime events in the desktop window,
// Server-Sent Events from /api/events in a browser. Both carry the same JSON.
import { decodeEvent, type LiveEvent } from './api';
import { wailsRuntime } from './desktop';

export const desktopEventName = 'tessera:event';

export interface LiveHandlers {
  onEvent(ev: LiveEvent): void;
  /** The stream came back after a break: events may have been missed. */
  onResync?(): void;
  /** Connected (true) or lost and retrying (false). */
  onStatus?(connected: boolean): void;
}

export interface LiveOptions {
  url: string;
  win?: Window;
  /** Injected for tests; defaults to the page's EventSource. */
  EventSource?: typeof EventSource;
  /**
   * Asked when the server refused the stream (an HTTP error closes it for
   * good, a 401 among them): true when the session has ended, and retrying
   * would show "reconnecting" for ever. The shell asks GET /api/session,
   * whose 401 takes the person to the sign-in form like any other.
   */
  sessionEnded?: () => Promise<boolean>;
  /** Retry delays in ms after the stream is closed for good. */
  minDelay?: number;
  maxDelay?: number;
}

/** Subscribes to live events; returns the function that stops listening. */
export function subscribeLive(handlers: LiveHandlers, opts: LiveOptions): () => void {
  const win = opts.win ?? window;
  const rt = wailsRuntime(win);
  if (rt) {
    const cb = (...args: unknown[]) => {
      const ev = decodeEvent(args[0]);
      if (ev) handlers.onEvent(ev);
    };
    const off = rt.EventsOn(desktopEventName, cb);
    handlers.onStatus?.(true);
    return () => {
      if (typeof off === 'function') off();
      else rt.EventsOff?.(desktopEventName);
    };
  }
  return sseSubscribe(handlers, opts);
}

function sseSubscribe(handlers: LiveHandlers, opts: LiveOptions): () => void {
  const ES = opts.EventSource ?? globalThis.EventSource;
  if (typeof ES !== 'function') {
    handlers.onStatus?.(false);
    return () => {};
  }
  const minDelay = opts.minDelay ?? 1000;
  const maxDelay = opts.maxDelay ?? 15000;
  let delay = minDelay;
  let es: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  let hadBreak = false;

  const retry = () => {
    if (stopped) return;
    timer = setTimeout(connect, delay);
    delay = Math.min(delay * 2, maxDelay);
  };

  const connect = () => {
    if (stopped) return;
    es = new ES(opts.url, { withCredentials: true });
    es.onopen = () => {
      delay = minDelay;
      handlers.onStatus?.(true);
      if (hadBreak) {
        hadBreak = false;
        handlers.onResync?.();
      }
    };
    es.onmessage = (msg: MessageEvent) => {
      const ev = decodeEvent(typeof msg.data === 'string' ? msg.data : '');
      if (ev) handlers.onEvent(ev);
    };
    es.onerror = () => {
      if (stopped || !es) return;
      hadBreak = true;
      handlers.onStatus?.(false);
      // While CONNECTING the browser retries by itself; once CLOSED (an HTTP
      // error, a wrong content type) it gives up, so we start over.
      if (es.readyState === ES.CLOSED) {
        es.close();
        es = null;
        if (opts.sessionEnded) {
          opts.sessionEnded().then(
            (ended) => {
              if (!ended) retry();
            },
            retry,
          );
        } else {
          retry();
        }
      }
    };
  };

  connect();
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    es?.close();
    es = null;
  };
}
