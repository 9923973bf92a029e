// The current route as reactive state, kept in step with location.hash.
import { canonicalHash, parseRoute, type Route } from './router';

export class HashRouter {
  route = $state<Route>({ name: 'projects' });
  /**
   * Where a link, Back or a key tried to go while mayLeave said no: held
   * back until the person confirms (leave) or changes their mind (stay).
   */
  blocked = $state<string | null>(null);
  private readonly win: Window;
  private readonly mayLeave: () => boolean;
  private readonly onChange = () => this.sync();
  /** The hash of the route shown; null before the first. */
  private shown: string | null = null;
  /** leave() lets the next change through. */
  private pass = false;

  constructor(win: Window = window, mayLeave: () => boolean = () => true) {
    this.win = win;
    this.mayLeave = mayLeave;
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

  /** Goes where the blocked change wanted to go after all. */
  leave(): void {
    const to = this.blocked;
    this.blocked = null;
    if (to === null) return;
    this.pass = true;
    this.win.location.hash = to;
  }

  /** Stays on the page shown. */
  stay(): void {
    this.blocked = null;
  }

  private sync(): void {
    const hash = this.win.location.hash;
    if (hash === this.shown) return;
    if (!this.pass && this.shown !== null && !this.mayLeave()) {
      // The hash has changed already: put the shown one back (in place, so
      // no history entry is added) and ask.
      this.win.history.replaceState(this.win.history.state, '', this.shown);
      this.blocked = hash;
      return;
    }
    this.pass = false;
    this.blocked = null;
    const before = this.shown;
    const canon = canonicalHash(hash);
    if (canon !== null) {
      // Rewrite aliases in place so Back does not bounce through them.
      this.win.history.replaceState(this.win.history.state, '', canon);
      this.show(canon, before);
      return;
    }
    this.show(hash, before);
  }

  private show(hash: string, before: string | null): void {
    this.route = parseRoute(hash);
    this.shown = hash;
    // A new page starts at its top; a change of its query alone (a filter,
    // a tab) keeps the place.
    if (before !== null && pagePath(before) !== pagePath(hash)) this.win.scrollTo(0, 0);
  }
}

/** A hash without its query: "#/projects/3/images?state=new" → "#/projects/3/images". */
function pagePath(hash: string): string {
  const q = hash.indexOf('?');
  return q >= 0 ? hash.slice(0, q) : hash;
}
