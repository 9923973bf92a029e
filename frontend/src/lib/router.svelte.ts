// The current route as reactive state, kept in step with location.hash.
import { canonicalHash, parseRoute, type Route } from './router';

export class HashRouter {
  route = $state<Route>({ name: 'projects' });
  private readonly win: Window;
  private readonly onChange = () => this.sync();

  constructor(win: Window = window) {
    this.win = win;
    this.sync();
  }

  /** Starts following hashchange; returns the function that stops it. */
  start(): () => void {
    this.win.addEventListener('hashchange', this.onChange);
    return () => this.win.removeEventListener('hashchange', this.onChange);
  }

  go(hash: string): void {
    if (this.win.location.hash === hash) return;
    this.win.location.hash = hash;
  }

  private sync(): void {
    const hash = this.win.location.hash;
    const canon = canonicalHash(hash);
    if (canon !== null) {
      // Rewrite aliases in place so Back does not bounce through them.
      this.win.history.replaceState(this.win.history.state, '', canon);
      this.route = parseRoute(canon);
      return;
    }
    this.route = parseRoute(hash);
  }
}
