// Window maths of a virtual list with rows of one fixed height: which rows
// to draw for a scroll position, so a log of 100,000 lines draws only the
// few dozen on screen.

export interface WindowInput {
  count: number;
  rowHeight: number;
  scrollTop: number;
  /** The visible height of the scroller. */
  viewport: number;
  /** Rows drawn beyond each edge, so fast scrolling shows no blank. */
  overscan?: number;
}

export interface ListWindow {
  /** First row drawn. */
  start: number;
  /** One past the last row drawn. */
  end: number;
  /** Where row `start` is drawn, in px from the top of the list. */
  offset: number;
  /** Height of the whole list in px. */
  height: number;
}

export function listWindow({ count, rowHeight, scrollTop, viewport, overscan = 10 }: WindowInput): ListWindow {
  const height = Math.max(0, count) * rowHeight;
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, offset: 0, height: 0 };
  const maxTop = Math.max(0, height - viewport);
  const top = Math.min(Math.max(0, scrollTop), maxTop);
  const first = Math.floor(top / rowHeight);
  const visible = Math.ceil(Math.max(0, viewport) / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end, offset: start * rowHeight, height };
}

/** Whether a scroller is at (or within `slack` px of) its bottom: following the tail. */
export function atBottom(scrollTop: number, clientHeight: number, scrollHeight: number, slack = 4): boolean {
  return scrollTop + clientHeight >= scrollHeight - slack;
}

/** The scrollTop that shows row `index` in the middle of the viewport. */
export function scrollToRow(index: number, rowHeight: number, viewport: number, count: number): number {
  const max = Math.max(0, count * rowHeight - viewport);
  return Math.min(max, Math.max(0, index * rowHeight - viewport / 2 + rowHeight / 2));
}
